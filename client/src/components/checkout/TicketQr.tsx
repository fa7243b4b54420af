import { useEffect, useState } from "react";
import { fetchTicketQrUrl } from "../../api/checkout";

type Qr = { code: string; url: string } | { code: string; failed: true };

/** A ticket's QR code, fetched with the shopper's token and shown as an image. */
export function TicketQr({ token, code }: { token: string; code: string }) {
  const [qr, setQr] = useState<Qr | null>(null);

  useEffect(() => {
    let cancelled = false;
    fetchTicketQrUrl(token, code).then(
      (url) => !cancelled && setQr({ code, url }),
      () => !cancelled && setQr({ code, failed: true }),
    );
    return () => {
      cancelled = true;
    };
  }, [token, code]);

  const box = "size-28 shrink-0 rounded-md border border-slate-200 bg-white p-1";
  if (!qr || qr.code !== code) return <div className={`${box} animate-pulse bg-slate-100`} aria-label="Loading the QR code" role="img" />;
  if ("failed" in qr)
    return (
      <div className={`${box} flex items-center justify-center p-2 text-center text-xs text-slate-500`} data-testid="qr-unavailable">
        QR code unavailable right now; the code below is enough at the door.
      </div>
    );
  return <img src={qr.url} alt={`QR code of ticket ${code}`} data-testid="ticket-qr" className={box} width={112} height={112} />;
}

import { useState } from "react";

/** The drop's picture, when the admin gave one: what a shared link shows first. */
export function DropImage({ url, name }: { url: string; name: string }) {
  // Keyed by URL, so a new URL from an admin edit gets its own chance to load.
  const [failedUrl, setFailedUrl] = useState<string | null>(null);
  const failed = failedUrl === url;

  return (
    // A fixed 4:3 box: the card does not jump when the picture arrives, or when it never does.
    <div className="relative aspect-[4/3] overflow-hidden rounded-lg bg-slate-100">
      {failed && (
        <span aria-hidden="true" className="absolute inset-0 flex items-center justify-center text-sm text-slate-400">
          Image unavailable
        </span>
      )}
      <img
        src={url}
        alt={name}
        loading="lazy"
        decoding="async"
        data-testid="drop-image"
        data-failed={failed || undefined}
        onError={() => setFailedUrl(url)}
        className={`relative h-full w-full object-cover ${failed ? "opacity-0" : ""}`}
      />
    </div>
  );
}

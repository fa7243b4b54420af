import type { ReactNode } from "react";
import type { Connection } from "../hooks/useSocket";
import { ConnectionBadge } from "./ConnectionBadge";

export function PageHeader({ title, connection, children }: { title: string; connection: Connection; children?: ReactNode }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <div className="flex items-baseline gap-3">
          <a href="/" className="text-xl font-black tracking-tight text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-600">
            Dropline
          </a>
          <h1 className="text-sm font-medium text-slate-500">{title}</h1>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          {children}
          <ConnectionBadge connection={connection} />
        </div>
      </div>
    </header>
  );
}

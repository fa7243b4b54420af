import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import "./index.css";
import { ShopperPage } from "./pages/ShopperPage";

// The admin page (forms, chart) is a separate chunk: shoppers, who are nearly every visitor, never download it.
const AdminPage = lazy(() => import("./pages/AdminPage").then((module) => ({ default: module.AdminPage })));

// Two pages only: a path check is all the routing needed (the server and vercel.json send every path here).
const isAdmin = /^\/admin(\/|$)/.test(window.location.pathname);
document.title = isAdmin ? "Dropline admin" : "Dropline";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {isAdmin ? (
      <Suspense fallback={<p className="px-4 py-10 text-center text-slate-500">Loading the admin page…</p>}>
        <AdminPage />
      </Suspense>
    ) : (
      <ShopperPage />
    )}
  </StrictMode>,
);

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./index.css";
import { AdminPage } from "./pages/AdminPage";
import { ShopperPage } from "./pages/ShopperPage";

// Two pages only: a path check is all the routing needed (the server and vercel.json send every path here).
const isAdmin = /^\/admin(\/|$)/.test(window.location.pathname);
document.title = isAdmin ? "Dropline admin" : "Dropline";

createRoot(document.getElementById("root")!).render(<StrictMode>{isAdmin ? <AdminPage /> : <ShopperPage />}</StrictMode>);

/** True when the focused element was just removed from the page (focus fell back to <body>). */
export const focusWasLost = () => !document.activeElement || document.activeElement === document.body;

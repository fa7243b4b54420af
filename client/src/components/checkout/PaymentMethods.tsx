import { useId } from "react";
import { paymentMethods } from "../../lib/payment-methods";

interface Props {
  value: string;
  onChange: (method: string) => void;
  disabled: boolean;
}

/** The simulated provider's test cards, each behaving every time as named. */
export function PaymentMethods({ value, onChange, disabled }: Props) {
  const id = useId();
  return (
    <div className="mt-3">
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        Pay with
      </label>
      <select
        id={id}
        data-testid="payment-method"
        value={value}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        className="mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-50"
      >
        {paymentMethods.map(({ method, label }) => (
          <option key={method} value={method}>
            {label}
          </option>
        ))}
      </select>
      <p className="mt-1 text-xs text-slate-500">Test cards of the simulated provider: no real money moves.</p>
    </div>
  );
}

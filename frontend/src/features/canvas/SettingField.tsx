/**
 * One labelled input of the execution settings and the workflow settings,
 * with its help text and the server's messages about it.
 */
import type { ReactNode } from "react";
import type { JsonValue } from "../../api/types";

export function SettingField({
  id,
  label,
  help,
  errors,
  checkbox = false,
  children,
}: {
  id: string;
  label: string;
  help?: ReactNode;
  errors?: readonly string[];
  /** A checkbox sits before its label, as in the config form. */
  checkbox?: boolean;
  children: ReactNode;
}) {
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <div className={`fd-field${invalid ? " fd-field--invalid" : ""}`}>
      {checkbox ? (
        <label className="fd-field__check" htmlFor={id}>
          {children}
          <span className="fd-field__label">{label}</span>
        </label>
      ) : (
        <>
          <label className="fd-field__label" htmlFor={id}>
            {label}
          </label>
          {children}
        </>
      )}
      {help && <p className="fd-field__help">{help}</p>}
      {errors?.map((message, i) => (
        <p key={i} className="fd-field__error" data-testid={`${id}-error`}>
          {message}
        </p>
      ))}
    </div>
  );
}

/**
 * A select of `choices` showing `defaultValue` while the field is unset.
 * Picking the default unsets the field: the spec says no more than it must.
 */
export function ChoiceSelect<T extends string>({
  id,
  value,
  choices,
  defaultValue,
  onChange,
}: {
  id: string;
  value: unknown;
  choices: readonly T[];
  defaultValue: T;
  onChange: (value: T | undefined) => void;
}) {
  const current = typeof value === "string" ? value : defaultValue;
  return (
    <select
      id={id}
      className="fd-input"
      value={current}
      onChange={(e) => onChange(e.target.value === defaultValue ? undefined : (e.target.value as T))}
      data-testid={id}
    >
      {!choices.includes(current as T) && <option value={current}>{current} (unknown)</option>}
      {choices.map((choice) => (
        <option key={choice} value={choice}>
          {choice === defaultValue ? `${choice} (default)` : choice}
        </option>
      ))}
    </select>
  );
}

/** A text input whose empty value unsets the field. */
export function TextSetting({
  id,
  value,
  placeholder,
  monospace = false,
  onChange,
}: {
  id: string;
  value: unknown;
  placeholder?: string;
  monospace?: boolean;
  onChange: (value: JsonValue | undefined) => void;
}) {
  return (
    <input
      id={id}
      className={`fd-input${monospace ? " fd-mono" : ""}`}
      type="text"
      value={typeof value === "string" ? value : ""}
      placeholder={placeholder}
      onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}
      data-testid={id}
    />
  );
}

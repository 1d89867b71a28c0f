/** `{ key: value }` when the value is present, `{}` otherwise: keeps absent fields absent, not `undefined`. */
export function optional<K extends string, V>(key: K, value: V | undefined | null | '' | false): { [P in K]?: V } {
  return value === undefined || value === null || value === '' || value === false ? {} : ({ [key]: value } as { [P in K]?: V });
}

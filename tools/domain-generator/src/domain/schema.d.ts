/** Options of `nx g @erbm/domain-generator:domain` (see schema.json). */
export interface DomainGeneratorSchema {
  /** Kebab-case name: lowercase letters, digits and dashes, starting with a letter. */
  name: string;
  /** French title; defaults to the name. */
  title?: string;
}

/**
 * Words of a French organisation's name that say its legal form or are abbreviations of it, not who it is: two spellings
 * of one employer (« ASS. AVENIR JEUNES », « Association Avenir Jeunes ») compare equal without them.
 */
const LEGAL_FORM_WORDS = new Set([
  'ASSOCIATION',
  'ASSOC',
  'ASSO',
  'ASS',
  'ASSOCIATIONS',
  'SARL',
  'SAS',
  'SASU',
  'SA',
  'EURL',
  'SCOP',
  'SCIC',
  'GIE',
  'GIP',
  'SCI',
  'LOI',
  '1901',
]);

/**
 * A name as names are compared: upper case, without accents, punctuation or legal-form words, spaces collapsed.
 * « Centre social l'Éclaté » and « CENTRE SOCIAL L ECLATE » give the same text.
 */
export function normaliseName(name: string): string {
  const words = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLocaleUpperCase('fr')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w && !LEGAL_FORM_WORDS.has(w));
  return words.join(' ');
}

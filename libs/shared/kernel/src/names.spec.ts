import { normaliseName } from './names';

describe('normaliseName: two spellings of one organisation compare equal', () => {
  it.each([
    ['ASS. ROUBAIX SPORTS CULTURES', 'Association Roubaix Sports Cultures'],
    ["Centre social l'Éclaté", 'CENTRE SOCIAL L ECLATE'],
    ['ASSOCIATION  LOCALE DES FEMMES ACTIVES', 'Locale des femmes actives (association loi 1901)'],
    ['ADICE (ASS. DEV. INITIATIVES CITOYENNES ET EUROPÉENNES)', 'adice ass dev initiatives citoyennes et europeennes'],
    ['SARL Médiation Plus', 'MEDIATION PLUS'],
  ])('%s ~ %s', (a, b) => expect(normaliseName(a)).toBe(normaliseName(b)));

  it('keeps the words that say who it is, so different organisations stay different', () => {
    expect(normaliseName('Centre social Imagine')).toBe('CENTRE SOCIAL IMAGINE');
    expect(normaliseName('CENTRE SOCIAL IMAGINE')).not.toBe(normaliseName('CENTRE SOCIAL ECLATE'));
    expect(normaliseName('Association des centres sociaux de Douai')).not.toBe(normaliseName('Association des centres sociaux de Denain'));
  });

  it('gives nothing for a name of legal-form words or punctuation only', () => {
    expect(normaliseName('Association')).toBe('');
    expect(normaliseName(' - . ')).toBe('');
  });
});

import type { CsvColumn } from './csv';

/**
 * One name per concept across every view and export. Each name the JSON answers of the views use, what it means, and
 * the French header of its column in the CSV and XLSX exports. A view names a field from this list (or from its
 * domain's `fieldNames`); the field-names test walks every view route and every export and finds nothing else. The
 * glossary (docs/glossary.md) gives the domain words these names stand for.
 *
 * Conventions: an object's own identifier is `id`, a reference to another thing is `<thing>Id`; a ledger and what
 * derives from ledgers (`netCommitted`, `resteAPayer`) are named by the ledger, in cents without a suffix; any other
 * amount ends in `Cents`; a count ends in `Count`; a link to another route ends in `Href`.
 */
export interface FieldName {
  /** What the field holds, once: no two names mean the same. */
  meaning: string;
  /** Its column header in French exports (money columns add " (€)"). */
  label: string;
}

export type FieldNames = Readonly<Record<string, FieldName>>;

export const FIELD_NAMES = {
  // What a thing is and what it refers to.
  id: { meaning: 'identifier of the thing the object is', label: 'identifiant' },
  revision: { meaning: "number of an event in its stream, from 0; of a view, its stream's last (its ETag)", label: 'révision' },
  type: { meaning: 'stable type of an event', label: "type d'événement" },
  domain: { meaning: 'policy area whose service records the thing (a domain of the registry)', label: 'domaine' },
  operationId: { meaning: 'the operation a thing belongs to', label: "identifiant de l'opération" },
  commitmentId: { meaning: 'the commitment a thing is about', label: "identifiant de l'engagement" },
  meetingId: { meaning: 'the meeting of a governance body that took a decision', label: 'identifiant de la réunion' },
  decisionId: { meaning: 'a decision, within its meeting', label: 'identifiant de la décision' },
  financer: { meaning: 'party whose money a commitment is (parties referential id)', label: 'financeur' },
  fundingLine: { meaning: 'budget line a financer commits from (fundingLines referential id)', label: 'ligne de financement' },
  arrondissement: { meaning: 'INSEE code of the arrondissement', label: 'arrondissement' },
  communeInsee: { meaning: 'INSEE code of the commune a thing lies in', label: 'commune (code INSEE)' },
  fiscalYear: { meaning: 'fiscal year (exercice) of a commitment', label: 'exercice' },
  body: { meaning: 'governance body of a meeting (governanceBodies referential id)', label: 'instance' },
  name: { meaning: 'name of the thing the object is', label: 'nom' },
  label: { meaning: 'what the thing is called in French, for people', label: 'libellé' },
  operationName: { meaning: 'name of the operation a commitment belongs to', label: "nom de l'opération" },
  financerName: { meaning: "financer's name, as valid today", label: 'nom du financeur' },
  beneficiaryId: { meaning: 'the beneficiary (tiers) who receives the money; null when none is named', label: 'identifiant du bénéficiaire' },
  beneficiary: { meaning: "the beneficiary: as an axis of the totals its id ('' for none); in its SGAR view, the beneficiary itself", label: 'bénéficiaire' },
  beneficiaryName: { meaning: "beneficiary's legal name", label: 'nom du bénéficiaire' },
  legalName: { meaning: 'legal name (raison sociale) of a beneficiary', label: 'raison sociale' },
  otherNames: { meaning: 'the other names a beneficiary is known by', label: 'autres noms' },
  siret: { meaning: 'SIRET of an establishment (14 digits)', label: 'SIRET' },
  rna: { meaning: "association's number in the Répertoire national des associations", label: 'RNA' },
  resolvedOn: { meaning: 'business date a beneficiary known by name was identified', label: "date d'identification" },
  resolutionReason: { meaning: "why a beneficiary's identifier is its own (where it was found)", label: "motif de l'identification" },
  beneficiaryCount: { meaning: 'how many beneficiaries', label: 'nombre de bénéficiaires' },
  q: { meaning: 'text a list searches for in the names of what it lists', label: 'texte recherché' },
  fundingLineLabel: { meaning: "funding line's label", label: 'libellé de la ligne de financement' },
  arrondissementName: { meaning: "arrondissement's name", label: "nom de l'arrondissement" },
  communeName: { meaning: "commune's name", label: 'nom de la commune' },
  bodyName: { meaning: "governance body's name", label: "nom de l'instance" },
  paymentKindLabel: { meaning: 'payment kind in French (avance, acompte, solde)', label: 'nature du paiement' },
  status: { meaning: 'where the thing is in its life cycle', label: 'statut' },
  kind: { meaning: 'kind of a legal act, a source document, a payment or a referential item', label: 'nature' },
  reference: { meaning: 'number of an act or a document (EJ n°, DP n°, arrêté n°…)', label: 'référence' },
  date: { meaning: 'business date of a fact, a meeting, an act or a decision (Europe/Paris)', label: 'date' },
  announcedOn: { meaning: 'business date a commitment was announced', label: "date d'annonce" },
  endedOn: { meaning: 'business date a commitment was closed or lapsed', label: 'date de fin' },
  registeredOn: { meaning: 'business date an operation was registered in the programme, or a beneficiary recorded', label: "date d'enregistrement" },

  // Money: the eight ledgers and what derives from them, in euro cents.
  ledgers: { meaning: 'the eight ledgers of a commitment, apart', label: 'grands livres' },
  ledger: { meaning: 'one ledger: which ledger a fact moved', label: 'grand livre' },
  announced: { meaning: 'ledger: promised (annoncé)', label: 'annoncé' },
  programmed: { meaning: 'ledger: programmed by a governance decision (programmé)', label: 'programmé' },
  committed: { meaning: 'ledger: committed by a legal act, AE used (engagé)', label: 'engagé' },
  certified: { meaning: 'ledger: service fait certified', label: 'service fait' },
  ordered: { meaning: 'ledger: payment requested, DP or mandat (mandaté)', label: 'mandaté' },
  paid: { meaning: 'ledger: paid, CP used (payé)', label: 'payé' },
  released: { meaning: 'ledger: de-committed (dégagé)', label: 'dégagé' },
  recovered: { meaning: 'ledger: paid and recovered, titre de recette (reversé)', label: 'reversé' },
  netCommitted: { meaning: 'committed − released', label: 'engagé net' },
  resteAPayer: { meaning: 'reste à payer: committed − released − paid', label: 'reste à payer' },
  total: { meaning: 'the ledgers (and commitment count) added up over the rows or commitments shown', label: 'total' },
  amountCents: { meaning: 'the amount of a fact or of a decision, in euro cents', label: 'montant' },
  amounts: { meaning: 'what a decision grants, per financer and funding line', label: 'montants' },
  limitCents: { meaning: 'the ceiling a warning compares with, in euro cents', label: 'plafond' },
  eligibleCostCents: { meaning: "operation's cost eligible to public aid, in euro cents", label: 'coût éligible' },
  envelopeCents: { meaning: "funding line's envelope, in euro cents", label: 'enveloppe' },
  commitmentCount: { meaning: 'how many commitments', label: "nombre d'engagements" },
  warningCount: { meaning: 'how many warnings', label: "nombre d'avertissements" },
  financing: { meaning: "an operation's commitments added up", label: 'financement' },
  programmings: { meaning: "what commitments programmed under a meeting's decisions, recorded in the meeting (ADR 0015)", label: 'programmations' },
  committedOfProgrammedPercent: { meaning: 'committed / programmed, in %', label: 'engagé / programmé (%)' },
  paidOfCommittedPercent: { meaning: 'paid / committed, in %', label: 'payé / engagé (%)' },

  // Facts, who recorded them, and why.
  facts: { meaning: 'every fact of a commitment or a beneficiary, with who recorded it, when and why', label: 'faits' },
  values: { meaning: "what a correction may change in a fact (the decider's state)", label: 'valeurs' },
  sign: { meaning: 'direction a fact moves its ledger (1 or −1)', label: 'sens' },
  paymentKind: { meaning: 'kind of a payment: advance, interim or balance', label: 'type de paiement' },
  data: { meaning: 'the event as stored (its own schema, versioned with the event)', label: 'données' },
  occurredAt: { meaning: 'when a fact happened in the world (business date of its envelope)', label: 'date du fait' },
  recordedAt: { meaning: 'when the store recorded the event', label: 'enregistré le' },
  recordedBy: { meaning: 'who recorded it', label: 'enregistré par' },
  userId: { meaning: "the user's identifier", label: 'utilisateur' },
  role: { meaning: "the user's role", label: 'rôle' },
  organisation: { meaning: "the user's organisation", label: 'organisation' },
  onBehalfOf: { meaning: 'the party a fact was recorded on behalf of', label: 'pour le compte de' },
  reason: { meaning: 'why: a fact was recorded, or a check found a break', label: 'motif' },
  sourceDocument: { meaning: 'the document a fact comes from', label: 'pièce' },
  correlationId: { meaning: 'the request a fact was recorded by', label: 'corrélation' },
  hash: { meaning: 'hash chaining an event to the previous one of its stream', label: 'empreinte' },
  position: { meaning: 'position in the global log', label: 'position dans le journal' },
  correctedBy: { meaning: 'revisions of the corrections of a fact', label: 'corrigé par' },
  corrects: { meaning: 'the revision a correction corrects', label: 'corrige la révision' },
  corrections: { meaning: 'the corrections of a fact, or every correction', label: 'corrections' },
  corrected: { meaning: 'the fact a correction corrects', label: 'fait corrigé' },
  effects: { meaning: 'what a fact did to each ledger', label: 'effets' },
  warnings: { meaning: 'rules real data broke, recorded beside the facts', label: 'avertissements' },
  rule: { meaning: 'code of the rule a warning or a refusal names', label: 'règle' },
  message: { meaning: 'what a warning says, in French', label: 'message' },
  raisedByRevision: { meaning: 'the fact that raised a warning', label: 'levé par la révision' },
  decisions: { meaning: 'decisions of a meeting, or those a commitment relies on', label: 'décisions' },
  decision: { meaning: 'one decision', label: 'décision' },
  legalActs: { meaning: 'legal acts of a commitment', label: 'actes juridiques' },
  subject: { meaning: 'what a decision is about', label: 'objet' },
  outcome: { meaning: 'what a decision decided (approved, rejected…)', label: 'sens de la décision' },
  place: { meaning: 'where a meeting took place', label: 'lieu' },
  minutesReference: { meaning: "reference of a meeting's minutes", label: 'relevé de décisions' },

  // Lists and links.
  commitments: { meaning: 'commitments (a list)', label: 'engagements' },
  operations: { meaning: 'operations (a list)', label: 'opérations' },
  commitment: { meaning: 'one commitment', label: 'engagement' },
  operation: { meaning: 'one operation', label: 'opération' },
  meeting: { meaning: 'one meeting', label: 'réunion' },
  rows: { meaning: 'the rows of a table view', label: 'lignes' },
  history: { meaning: 'every fact as recorded, in order', label: 'historique' },
  href: { meaning: 'link to the thing in the SGAR or audit routes', label: 'lien' },
  domainHref: { meaning: "link to the thing in its domain's routes", label: 'lien dans le domaine' },
  historyHref: { meaning: 'link to the history of the thing', label: "lien vers l'historique" },
  lineageHref: { meaning: 'link to the lineage of the thing', label: 'lien vers la lignée' },
  usedBy: { meaning: 'revisions of the facts that rely on a decision', label: 'utilisée par' },

  // The lineage of a commitment, by kind of fact.
  announcement: { meaning: 'facts announcing and programming a commitment', label: 'annonce' },
  legalCommitments: { meaning: 'facts committing money by a legal act', label: 'engagements juridiques' },
  amendments: { meaning: 'increases, reductions, funding-line and beneficiary changes', label: 'modifications' },
  carryOvers: { meaning: 'carry-overs to the next fiscal year', label: 'reports' },
  payments: { meaning: 'service fait, payment requests and payments', label: 'paiements' },
  payment: { meaning: 'one payment', label: 'paiement' },
  releases: { meaning: 'de-commitments and lapses', label: 'dégagements' },
  recoveries: { meaning: 'recoveries (titres de recette)', label: 'reversements' },
  closing: { meaning: 'the fact closing a commitment', label: 'clôture' },
  chain: { meaning: 'from a payment up to the meeting, step by step', label: 'chaîne' },
  step: { meaning: 'one step of a chain', label: 'étape' },

  // As of when: freshness, past views, exports.
  freshness: { meaning: 'how fresh a read-model answer is', label: 'fraîcheur' },
  projection: { meaning: 'the read model an answer comes from', label: 'projection' },
  checkpoint: { meaning: 'position of the log up to which a read model reflects the events', label: 'point de reprise' },
  reflectsRecordedUpTo: { meaning: 'recordedAt of the last event a read model reflects', label: 'reflète les enregistrements jusqu’au' },
  asOf: { meaning: 'business date a view is as of (what had happened by then)', label: 'à la date du' },
  asKnownAt: { meaning: 'instant a view is as known at (what the system had recorded then)', label: 'connu au' },
  knownNow: { meaning: 'the same commitment as known now', label: 'connu aujourd’hui' },
  state: { meaning: 'a commitment as its decider folds it', label: 'état' },
  export: { meaning: 'what heads an export: its name, as of when, its position and seal', label: 'export' },
  exportedAt: { meaning: 'when an export was made', label: 'exporté le' },
  latestSealDigest: { meaning: 'the latest seal of the log, its digest, number and position', label: 'dernier sceau' },

  // Table views: what was asked.
  filters: { meaning: 'the axes a view is filtered by', label: 'filtres' },
  groupBy: { meaning: 'the axes a view is totalled along', label: 'regroupé par' },
  by: { meaning: 'the one axis a progress view is totalled along', label: 'par' },
  limit: { meaning: 'at most this many rows', label: 'nombre maximum de lignes' },
  offset: { meaning: 'rows skipped before the first shown', label: 'lignes sautées' },
  shown: { meaning: 'how many rows are shown', label: 'lignes montrées' },

  // Indicators.
  indicators: { meaning: 'indicators, each with its definition and target', label: 'indicateurs' },
  indicator: { meaning: 'code of an indicator', label: 'indicateur' },
  unit: { meaning: 'unit of an indicator', label: 'unité' },
  definition: { meaning: 'what an indicator counts, in French', label: 'définition' },
  value: { meaning: 'value of an indicator', label: 'valeur' },
  target: { meaning: "the programme's target for an indicator", label: 'cible' },
  percentOfTarget: { meaning: 'value / target, in %', label: 'part de la cible (%)' },
  byArrondissement: { meaning: 'values per arrondissement', label: 'par arrondissement' },

  // Seals and verification of the log and the read models.
  seals: { meaning: 'seals of the log', label: 'sceaux' },
  seal: { meaning: 'one seal of the log', label: 'sceau' },
  sealNumber: { meaning: 'number of a seal, from 1', label: 'numéro de sceau' },
  upToPosition: { meaning: 'position of the log a seal covers up to', label: "jusqu'à la position" },
  events: { meaning: 'how many events a seal covers', label: 'événements scellés' },
  digest: { meaning: "a seal's digest, to keep outside the system", label: 'condensat' },
  previousDigest: { meaning: "the previous seal's digest", label: 'condensat précédent' },
  sealedAt: { meaning: 'when a seal was made', label: 'scellé le' },
  sealedBy: { meaning: 'who made a seal', label: 'scellé par' },
  detail: { meaning: 'what happened, in French, when nothing else says it', label: 'détail' },
  ok: { meaning: 'whether everything checked matches', label: 'conforme' },
  eventsChecked: { meaning: 'how many events were checked', label: 'événements vérifiés' },
  streamsChecked: { meaning: 'how many streams were checked', label: 'flux vérifiés' },
  sealsChecked: { meaning: 'how many seals were checked', label: 'sceaux vérifiés' },
  firstBreak: { meaning: 'the first event that does not match', label: 'première rupture' },
  breaks: { meaning: 'what does not match', label: 'ruptures' },
  sealBreaks: { meaning: 'seals that do not match', label: 'sceaux rompus' },
  seconds: { meaning: 'how long a check took, in seconds', label: 'durée (s)' },
  readModels: { meaning: 'the check of the read models', label: 'modèles de lecture' },
  checksRun: { meaning: 'how many read-model checks ran', label: 'contrôles exécutés' },
  breaksFound: { meaning: 'how many breaks the read-model checks found', label: 'ruptures trouvées' },
  notBuilt: { meaning: 'read models not built yet', label: 'non construits' },
  replay: { meaning: 'the replay of the log compared with the read models', label: 'rejeu' },
  projections: { meaning: 'per read model, its replay compared with it', label: 'projections' },
  tablesCompared: { meaning: 'how many tables were compared', label: 'tables comparées' },
  heldSeconds: { meaning: 'how long the live tables were held for the comparison, in seconds', label: 'tables retenues (s)' },
  differences: { meaning: 'tables whose replay differs from the live read model', label: 'différences' },
  firstDifference: { meaning: 'the first row that differs', label: 'première différence' },
  differingRows: { meaning: 'how many rows of a table differ', label: 'lignes différentes' },
  table: { meaning: 'a table of a read model', label: 'table' },
  key: { meaning: "a row's primary key", label: 'clé' },
  column: { meaning: 'the first column that differs or breaks a rule', label: 'colonne' },
  live: { meaning: 'the value in the live read model', label: 'valeur en service' },
  replayed: { meaning: 'the value in the replay', label: 'valeur rejouée' },
  expected: { meaning: 'the value the rule expects', label: 'valeur attendue' },
  actual: { meaning: 'the value found', label: 'valeur trouvée' },
  streamName: { meaning: 'the stream of an event', label: 'flux' },
  eventId: { meaning: "an event's identifier", label: "identifiant de l'événement" },

  // Referentials.
  items: { meaning: 'the items of a referential valid at the date', label: 'éléments' },
  signatory: { meaning: 'whether a party signed the ERBM', label: 'signataire' },
  siren: { meaning: "SIREN number of a party or of a beneficiary's legal unit", label: 'SIREN' },
  departement: { meaning: 'code of the département', label: 'département' },
  epci: { meaning: 'the intercommunalité a commune belongs to (parties id)', label: 'EPCI' },
  insee: { meaning: "a commune's own INSEE code", label: 'code INSEE' },
  code: { meaning: 'own code of a département or an arrondissement', label: 'code' },
  erbm: { meaning: 'whether an arrondissement is in the ERBM perimeter', label: 'périmètre ERBM' },
  owner: { meaning: 'the party whose budget a funding line is', label: 'titulaire' },
  programme: { meaning: 'State budget programme of a funding line', label: 'programme' },
  programmeTitle: { meaning: "title of a funding line's programme", label: 'intitulé du programme' },
  bop: { meaning: 'BOP of a funding line', label: 'BOP' },
  validFrom: { meaning: 'first day an item of a referential is valid', label: 'valide à partir du' },
  validTo: { meaning: 'last day an item of a referential is valid, null when still valid', label: "valide jusqu'au" },
} as const satisfies FieldNames;

export type FieldNameKey = keyof typeof FIELD_NAMES;

/**
 * Names the views used before, and the one that replaced each: no view or export may use them again (the field-names
 * test checks), and a client written against them learns the new name here.
 */
export const RETIRED_FIELD_NAMES: Readonly<Record<string, FieldNameKey>> = {
  promised: 'announced',
  resteAPayerCents: 'resteAPayer',
  netCommittedCents: 'netCommitted',
  count: 'commitmentCount',
  totals: 'total',
  entries: 'history',
  kindLabel: 'paymentKindLabel',
  'as known at': 'asKnownAt',
  'position in the log': 'position',
  'latest seal digest': 'latestSealDigest',
  'exported at': 'exportedAt',
};

/** The column of an export that shows a field of its view, headed with that field's French label. */
export function column(name: FieldNameKey, options: { money?: boolean } = {}): CsvColumn {
  const { label } = FIELD_NAMES[name];
  return options.money ? { key: name, label: `${label} (€)`, money: true } : { key: name, label };
}

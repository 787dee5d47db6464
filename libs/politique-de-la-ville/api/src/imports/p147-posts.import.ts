import { Inject, Injectable } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import {
  type ImportFile,
  type ImportNote,
  type ImportOutcome,
  type ImportRejection,
  type ImportRunContext,
  type ImportSource,
  REFERENTIALS,
  ReadModels,
  uuidFrom,
} from '@erbm/shared/api';
import { type EventStore, type StoredEvent, WrongExpectedRevisionError } from '@erbm/shared/event-store';
import { RuleViolation, isSiret, normaliseName, parseEuroAmount } from '@erbm/shared/kernel';
import type { Referentials } from '@erbm/shared/referentials';
import { placeOperation } from '../operations/place-operation';
import {
  type ActEvent,
  type ActState,
  type BeneficiaryEvent,
  type CitedAct,
  type CommitmentEvent,
  type CommitmentState,
  type SiretClaimEvent,
  actRefOf,
  actStreamName,
  beneficiaryStreamName,
  commitmentStreamName,
  decideAct,
  decideBeneficiary,
  decideCommitment,
  evolveAct,
  evolveCommitment,
  foldAct,
  foldBeneficiary,
  foldCommitment,
  netCommitted,
  siretClaimStreamName,
} from '@erbm/ledger/domain';
import { BENEFICIARIES, listBeneficiaries } from '@erbm/ledger/read-models';
import { POLITIQUE_DE_LA_VILLE_DOMAIN, type PolitiqueDeLaVilleOperationKind, politiqueDeLaVilleOperationStream } from '@erbm/politique-de-la-ville/contracts';
import {
  DEPARTEMENTS,
  type OperationCommand,
  type OperationDetails,
  type OperationEvent,
  type OperationState,
  decideOperation,
  evolveOperation,
  foldOperation,
} from '@erbm/politique-de-la-ville/domain';

/** The State's financer id and programme 147's funding line in the referentials. */
const STATE = 'etat';
const P147 = 'etat-p147';
/** Posts imported at once: their writes overlap on the server's connection pool (one at a time on the embedded database). */
const POSTS_AT_ONCE = 8;
const COLUMNS = ['annee', 'id_poste', 'code_tiers', 'raison_sociale', 'montant', 'code_cv', 'lib_cv', 'insee_dep'] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

/** One valid row of the file: a post funded for a year. */
interface PostYear {
  line: number;
  year: number;
  /** The post's id without its convention version. */
  postKey: string;
  conventionId: string;
  version?: string;
  employer: { siret?: string; name: string };
  amountCents: number;
  contratDeVille?: string;
  departement: string;
}

type Outcome = 'created' | 'changed' | 'unchanged';

/** A stream as the import reads and writes it: its state, its revision, the events decided for it. */
interface Pending<S, E> {
  stream: string;
  state: S;
  revision: number;
  events: { type: string; data: unknown; occurredAt: string; reason?: string }[];
  evolve: (s: S, e: E) => S;
}

/**
 * The posts of programme 147 in an ANCT Ci.Ville export (adultes-relais, FONJEP): one row per post and year with the
 * year's amount. Each post is one operation (id from the post's id: a second file finds it), its employer a
 * beneficiary (by SIRET; FONJEP gives a name: matched on its normalised form, else kept unresolved), each convention an
 * act of the State granting P147, and each year one State commitment on P147, committed under its convention. What
 * the log already holds is compared with the file: only the differences are written (ADR 0024).
 */
export abstract class P147PostsImport implements ImportSource {
  abstract readonly name: string;
  abstract readonly label: string;
  readonly extensions = ['.csv'];
  protected abstract readonly kind: Exclude<PolitiqueDeLaVilleOperationKind, 'action'>;
  protected abstract readonly dispositif: string;
  /** How the rows name the employer: a SIRET (adultes-relais) or a name only (FONJEP). */
  protected abstract readonly employerBy: 'siret' | 'name';

  constructor(
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    private readonly readModels: ReadModels,
  ) {}

  /** Splits a post id into the post and its convention version (adulte-relais: the last two digits). */
  protected abstract split(id: string): { postKey: string; version?: string } | undefined;
  protected abstract postName(postKey: string, employer: string): string;

  async run(file: ImportFile, context: ImportRunContext): Promise<ImportOutcome> {
    const { rows, rejected } = this.read(file.content, Number(context.today.slice(0, 4)));
    const outcomes = new Map<number, Outcome>();
    const notes: ImportNote[] = [];
    const byPost = new Map<string, PostYear[]>();
    for (const r of rows) byPost.set(r.postKey, [...(byPost.get(r.postKey) ?? []), r]);
    const employers = await this.employers(rows, context, notes);
    const flagged: string[] = [];
    let done = 0;
    const posts = [...byPost.entries()];
    await pool(posts, POSTS_AT_ONCE, async ([postKey, years]) => {
      years.sort((a, b) => a.year - b.year);
      for (const [line, outcome] of await this.importPost(postKey, years, employers, context, flagged)) outcomes.set(line, outcome);
      done += years.length;
      context.progress(done, rows.length);
    });
    if (flagged.length)
      notes.push({
        code: 'posts-flagged',
        message: `${flagged.length} poste(s) sans contrat de ville ou hors du périmètre ERBM, gardés et signalés`,
        items: flagged.sort(),
      });
    const count = (o: Outcome) => [...outcomes.values()].filter((v) => v === o).length;
    return { rowsRead: rows.length + rejected.length, created: count('created'), changed: count('changed'), unchanged: count('unchanged'), rejected, notes };
  }

  /** The rows, checked one by one: a row that cannot be read is rejected with its line and reason, the others kept. */
  private read(content: Buffer, thisYear: number): { rows: PostYear[]; rejected: ImportRejection[] } {
    let parsed: { record: Record<string, string | undefined>; info: { lines: number } }[];
    try {
      // `info`: each record with the line it ends on, so that a rejection names the file's line even past blank lines.
      parsed = parse(content, { columns: true, bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true }) as typeof parsed;
    } catch (error) {
      throw invalidFile(`le fichier n'est pas un CSV lisible : ${error instanceof Error ? error.message : String(error)}`);
    }
    if (parsed.length === 0) throw invalidFile('le fichier ne contient aucune ligne');
    const missing = COLUMNS.filter((c) => !(c in parsed[0].record));
    if (missing.length) throw invalidFile(`colonnes manquantes : ${missing.join(', ')} (attendues : ${COLUMNS.join(', ')})`);
    // A short row reads as empty cells, which the checks below name.
    const records = parsed.map(({ record }) => Object.fromEntries(COLUMNS.map((c) => [c, record[c] ?? ''])) as Row);
    const rows: PostYear[] = [];
    const rejected: ImportRejection[] = [];
    const seen = new Map<string, number>();
    records.forEach((r, index) => {
      const line = parsed[index].info.lines;
      const reject = (field: string, reason: string) => rejected.push({ row: line, field, reason });
      const year = Number(r.annee);
      if (!/^\d{4}$/.test(r.annee) || year < 2000 || year > thisYear) return reject('annee', `« ${r.annee} » n'est pas une année de 2000 à ${thisYear}`);
      const id = this.split(r.id_poste);
      if (!id) return reject('id_poste', `« ${r.id_poste} » n'est pas un identifiant de poste de ce fichier`);
      const amountCents = centsOf(r.montant);
      if (amountCents === undefined || amountCents <= 0)
        return reject('montant', `« ${r.montant} » n'est pas un montant positif en euros (point décimal, deux décimales au plus)`);
      if (!(DEPARTEMENTS as readonly string[]).includes(r.insee_dep))
        return reject('insee_dep', `« ${r.insee_dep} » n'est pas un département des Hauts-de-France`);
      const date = `${year}-01-01`;
      if (r.code_cv && !this.referentials.contratsDeVille.at(r.code_cv, date))
        return reject('code_cv', `le contrat de ville « ${r.code_cv} » n'est pas dans le référentiel en ${year}`);
      let employer: PostYear['employer'];
      if (this.employerBy === 'siret') {
        if (!isSiret(r.code_tiers)) return reject('code_tiers', `« ${r.code_tiers} » n'est pas un SIRET valide (14 chiffres, clé de Luhn)`);
        employer = { siret: r.code_tiers, name: r.raison_sociale || r.code_tiers };
      } else {
        const name = r.code_tiers || r.raison_sociale;
        if (!normaliseName(name)) return reject('code_tiers', "le nom de l'employeur manque");
        employer = { name };
      }
      const key = `${year}\u0000${r.id_poste}`;
      const first = seen.get(key);
      if (first !== undefined) return reject('id_poste', `le poste ${r.id_poste} figure déjà pour ${year} à la ligne ${first}`);
      seen.set(key, line);
      rows.push({
        line,
        year,
        postKey: id.postKey,
        conventionId: r.id_poste,
        ...(id.version ? { version: id.version } : {}),
        employer,
        amountCents,
        ...(r.code_cv ? { contratDeVille: r.code_cv } : {}),
        departement: r.insee_dep,
      });
    });
    return { rows, rejected };
  }

  /**
   * The beneficiary of each employer: by SIRET, the one that holds its claim, or a new one; by name, one whose name
   * matches once normalised (case, accents, legal-form words), or else a new unresolved one, listed in the report.
   */
  private async employers(rows: PostYear[], context: ImportRunContext, notes: ImportNote[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const first = new Map<string, PostYear>();
    for (const r of rows) first.set(employerKey(r.employer), first.get(employerKey(r.employer)) ?? r);
    const known = this.employerBy === 'name' ? await this.beneficiariesByName() : new Map<string, string[]>();
    const unresolved: string[] = [];
    const ambiguous: string[] = [];
    await pool([...first.entries()], 4, async ([key, r]) => {
      const date = `${r.year}-01-01`;
      if (r.employer.siret) {
        ids.set(key, await this.bySiret(r.employer.siret, r.employer.name, date, context));
        return;
      }
      // A name imported before keeps its beneficiary: its id follows from the name.
      const own = uuidFrom(`beneficiary:name:${normaliseName(r.employer.name)}`);
      const stream = await context.store.readStream(beneficiaryStreamName(own), { to: 0 });
      if (stream.length > 0) {
        ids.set(key, own);
        if (foldBeneficiary(stream.map(asEvent<BeneficiaryEvent>)).status === 'unresolved') unresolved.push(r.employer.name);
        return;
      }
      const matches = known.get(normaliseName(r.employer.name)) ?? [];
      if (matches.length === 1) {
        ids.set(key, matches[0]);
        return;
      }
      if (matches.length > 1) ambiguous.push(r.employer.name);
      const events = decideBeneficiary(
        { type: 'register', beneficiaryId: own, legalName: r.employer.name, kind: 'association', date, today: context.today },
        { status: 'none' },
      );
      await context.writer.append(beneficiaryStreamName(own), events, 'no_stream', date);
      ids.set(key, own);
      unresolved.push(r.employer.name);
    });
    if (unresolved.length)
      notes.push({
        code: 'employers-unresolved',
        message: `${unresolved.length} employeur(s) connus par leur nom seulement : à rattacher à leur SIRET (POST /beneficiaries/{id}/resolve ; liste : GET /beneficiaries?status=unresolved)`,
        items: [...new Set(unresolved)].sort(),
      });
    if (ambiguous.length)
      notes.push({
        code: 'employers-ambiguous',
        message: `${ambiguous.length} nom(s) d'employeur correspondent à plusieurs bénéficiaires : un bénéficiaire non rattaché a été créé pour chacun`,
        items: [...new Set(ambiguous)].sort(),
      });
    return ids;
  }

  /** Every beneficiary known to the register, by each of its names normalised. */
  private async beneficiariesByName(): Promise<Map<string, string[]>> {
    const ds = this.readModels.dataSources.get(BENEFICIARIES);
    const out = new Map<string, string[]>();
    if (!ds) return out;
    const { rows } = await listBeneficiaries(ds, {}, { limit: 1_000_000, offset: 0 });
    for (const b of rows)
      for (const name of new Set([b.legalName, ...(b.otherNames ?? [])].map(normaliseName))) out.set(name, [...(out.get(name) ?? []), b.id]);
    return out;
  }

  /** The beneficiary that holds the SIRET's claim; a new one (its claim first, then its registration) when none does. */
  private async bySiret(siret: string, legalName: string, date: string, context: ImportRunContext): Promise<string> {
    const claimStream = siretClaimStreamName(siret);
    const [claim] = await context.store.readStream(claimStream, { to: 0 });
    if (claim) return (claim.data as SiretClaimEvent['data']).beneficiaryId;
    const beneficiaryId = uuidFrom(`beneficiary:siret:${siret}`);
    const registration = decideBeneficiary(
      { type: 'register', beneficiaryId, legalName, kind: kindOfSiret(legalName), siret, date, today: context.today },
      { status: 'none' },
    );
    const data = registration[0].data as Extract<BeneficiaryEvent, { type: 'beneficiary.Registered' }>['data'];
    try {
      await context.writer.append(claimStream, [{ type: 'beneficiary.SiretClaimed', data: { siret, beneficiaryId, registration: data } }], 'no_stream', date);
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      const [winner] = await context.store.readStream(claimStream, { to: 0 });
      return (winner.data as SiretClaimEvent['data']).beneficiaryId;
    }
    await context.writer.append(beneficiaryStreamName(beneficiaryId), registration, 'no_stream', date);
    return beneficiaryId;
  }

  /** One post: its registration or amendments, its conventions (acts), its years (commitments); the outcome of each row. */
  private async importPost(
    postKey: string,
    years: PostYear[],
    employers: Map<string, string>,
    context: ImportRunContext,
    flagged: string[],
  ): Promise<Map<number, Outcome>> {
    const outcomes = new Map<number, Outcome>();
    const operationId = uuidFrom(`${POLITIQUE_DE_LA_VILLE_DOMAIN}:post:${this.kind}:${postKey}`);
    const post = await load<OperationState, OperationEvent>(context.store, politiqueDeLaVilleOperationStream(operationId), foldOperation, evolveOperation);
    const reason = (what: string) => `${what} (import ${context.importId})`;
    const decidePost = (command: OperationCommand, occurredAt: string, why?: string) => {
      for (const e of decideOperation(command, post.state)) {
        post.events.push({ ...e, occurredAt, ...(why ? { reason: why } : {}) });
        post.state = evolveOperation(post.state, e);
      }
    };
    // A new post is registered as its first year says, then amended when a later year says otherwise (an employer that
    // changes its name keeps one post); a post already known is compared with the file's latest year only: its earlier
    // years are its history, already written.
    const existing = post.state.status === 'registered';
    for (const [i, y] of years.entries()) {
      if (existing && i < years.length - 1) continue;
      const date = `${y.year}-01-01`;
      const details = this.detailsOf(postKey, y, employers.get(employerKey(y.employer)) as string);
      if (post.state.status === 'none') {
        decidePost({ type: 'register', operationId, date, ...details }, date);
        outcomes.set(y.line, 'created');
        if (details.flags?.length) flagged.push(`${postKey} (${details.flags.join(', ')})`);
        continue;
      }
      const changes = changed(post.state, details);
      if (Object.keys(changes).length > 0) {
        const at = date < post.state.registeredOn ? post.state.registeredOn : date;
        const why = reason(`Le poste change en ${y.year} : ${Object.keys(changes).join(', ')}`);
        decidePost({ type: 'amend', changes, reason: why, date: at }, at, why);
        if (!outcomes.has(y.line)) outcomes.set(y.line, 'changed');
      }
    }
    // Each convention: an act of the State granting P147 what its years amount to, recorded with the post.
    const acts = new Map<string, Pending<ActState, ActEvent>>();
    const byConvention = new Map<string, PostYear[]>();
    for (const y of years) byConvention.set(y.conventionId, [...(byConvention.get(y.conventionId) ?? []), y]);
    for (const [conventionId, rows] of byConvention) {
      const actId = uuidFrom(`${POLITIQUE_DE_LA_VILLE_DOMAIN}:convention:${this.kind}:${conventionId}`);
      const act = await load<ActState, ActEvent>(context.store, actStreamName(actId), foldAct, evolveAct);
      acts.set(conventionId, act);
      const first = rows[0];
      const date = `${first.year}-01-01`;
      const amountCents = rows.reduce((s, r) => s + r.amountCents, 0);
      if (act.state.status === 'none') {
        const events = decideAct(
          {
            type: 'record',
            actId,
            kind: 'convention',
            issuer: STATE,
            reference: conventionId,
            date,
            subject: `${this.postName(postKey, first.employer.name)} : convention ${conventionId}`,
            operationId,
            amounts: [{ financer: STATE, fundingLine: P147, amountCents }],
            today: context.today,
          },
          act.state,
        );
        for (const e of events) {
          act.events.push({ ...e, occurredAt: date });
          act.state = evolveAct(act.state, e);
        }
      } else {
        const granted = act.state.amounts.filter((a) => a.financer === STATE && a.fundingLine === P147).reduce((s, a) => s + a.amountCents, 0);
        if (amountCents > granted) {
          const last = `${rows[rows.length - 1].year}-01-01`;
          const events = decideAct(
            {
              type: 'amend',
              date: last < act.state.date ? act.state.date : last,
              reason: reason(`La convention ${conventionId} finance ${rows.length} année(s) pour ${(amountCents / 100).toFixed(2)} €`),
              amounts: [{ financer: STATE, fundingLine: P147, amountCents }],
              today: context.today,
            },
            act.state,
          );
          for (const e of events) {
            act.events.push({ ...e, occurredAt: date });
            act.state = evolveAct(act.state, e);
          }
        }
      }
      if (post.state.status === 'registered' && !post.state.conventions.some((c) => c.conventionId === conventionId))
        decidePost({ type: 'recordConvention', conventionId, ...(first.version ? { version: first.version } : {}), actId, fromYear: first.year, date }, date);
    }
    // Each year: one State commitment on P147, committed under its convention; a corrected amount or employer is corrected.
    const commitments: Pending<CommitmentState, CommitmentEvent>[] = [];
    for (const y of years) {
      const date = `${y.year}-01-01`;
      const commitmentId = uuidFrom(`${POLITIQUE_DE_LA_VILLE_DOMAIN}:post-year:${this.kind}:${postKey}:${y.year}`);
      const c = await load<CommitmentState, CommitmentEvent>(context.store, commitmentStreamName(commitmentId), foldCommitment, evolveCommitment);
      const act = acts.get(y.conventionId) as Pending<ActState, ActEvent>;
      if (act.state.status === 'none') throw new Error(`act of ${y.conventionId} not recorded`);
      const cited: CitedAct = { ...actRefOf(act.state), amounts: act.state.amounts };
      const beneficiaryId = employers.get(employerKey(y.employer)) as string;
      const decide = (command: Parameters<typeof decideCommitment>[0], why?: string) => {
        for (const e of decideCommitment(command, c.state)) {
          c.events.push({ ...e, occurredAt: command.date, ...(why ? { reason: why } : {}) });
          c.state = evolveCommitment(c.state, e);
        }
      };
      const legalAct = { kind: 'convention' as const, reference: y.conventionId, date };
      if (c.state.status === 'none') {
        decide({
          type: 'announce',
          commitmentId,
          operationId,
          domain: POLITIQUE_DE_LA_VILLE_DOMAIN,
          financer: STATE,
          fundingLine: P147,
          fiscalYear: y.year,
          amountCents: y.amountCents,
          date,
          beneficiaryId,
          today: context.today,
        });
        decide({ type: 'commit', amountCents: y.amountCents, date, legalAct, act: cited, today: context.today });
        if (post.state.status === 'registered' && !post.state.financingPlan.some((l) => l.commitmentId === commitmentId))
          decidePost({ type: 'attachCommitment', commitmentId, financer: STATE, fundingLine: P147, date }, date);
        // Written with the post's events before the commitment: an import resumed after a crash finds it there.
        const warned =
          post.state.status === 'registered' && post.state.warnings.some((w) => w.commitmentId === commitmentId && w.amountCents === y.amountCents);
        if (!warned) decidePost({ type: 'checkFunding', commitmentId, fiscalYear: y.year, amountCents: y.amountCents, date }, date);
        outcomes.set(y.line, 'created');
      } else if (c.state.status === 'announced' || c.state.status === 'programmed' || c.state.status === 'committed') {
        const net = netCommitted(c.state.ledgers);
        const why = reason(`Montant ${y.year} du poste corrigé par le fichier`);
        if (y.amountCents > net)
          decide({ type: 'increase', amountCents: y.amountCents - net, date, reason: why, legalAct, act: cited, today: context.today }, why);
        if (y.amountCents < net) decide({ type: 'reduce', amountCents: net - y.amountCents, date, reason: why, legalAct, today: context.today }, why);
        if (y.amountCents !== net) decidePost({ type: 'checkFunding', commitmentId, fiscalYear: y.year, amountCents: y.amountCents, date }, date);
        if (c.state.beneficiaryId !== beneficiaryId) {
          const who = reason(`Employeur ${y.year} du poste selon le fichier`);
          decide({ type: 'assignBeneficiary', beneficiaryId, date, reason: who, today: context.today }, who);
        }
        if (c.events.length > 0 && outcomes.get(y.line) !== 'created') outcomes.set(y.line, 'changed');
      }
      commitments.push(c);
      if (!outcomes.has(y.line)) outcomes.set(y.line, 'unchanged');
    }
    // The post first (a commitment is placed by it), then the acts its commitments cite, then the commitments.
    await flush(post, context);
    await Promise.all([...acts.values()].map((a) => flush(a, context)));
    await Promise.all(commitments.map((c) => flush(c, context)));
    return outcomes;
  }

  private detailsOf(postKey: string, y: PostYear, beneficiaryId: string): OperationDetails {
    const place = placeOperation(this.referentials, { contratDeVille: y.contratDeVille, departement: y.departement }, `${y.year}-01-01`);
    return {
      kind: this.kind,
      dispositif: this.dispositif,
      name: this.postName(postKey, y.employer.name),
      ...place,
      // The file's département, whatever the contrat de ville's EPCI says: the SGAR's totals follow the file.
      departement: y.departement,
      ...(y.contratDeVille ? { contratDeVille: y.contratDeVille } : {}),
      beneficiaryId,
      employerName: y.employer.name,
      postId: postKey,
    };
  }
}

@Injectable()
export class AdultesRelaisImport extends P147PostsImport {
  readonly name = 'adultes-relais';
  readonly label = 'Postes adultes-relais du programme 147 (export Ci.Ville / Dauphin de l’ANCT, CSV)';
  protected readonly kind = 'poste-adulte-relais' as const;
  protected readonly dispositif = 'adultes-relais';
  protected readonly employerBy = 'siret' as const;

  /**
   * `06212R000802`: the post `06212R0008`, its convention version `02` (the last two digits). The file's ids have four
   * shapes: `06212R000802`, `59L06R005604`, `59V17R000102`, `59L06RT05704`.
   */
  protected split(id: string) {
    const m = /^([0-9]{2}[0-9LV][0-9]{2}R[T0-9][0-9]{3})([0-9]{2})$/.exec(id);
    return m ? { postKey: m[1], version: m[2] } : undefined;
  }

  protected postName(postKey: string, employer: string): string {
    return `Poste adulte-relais ${postKey} – ${employer}`;
  }
}

@Injectable()
export class PostesFonjepImport extends P147PostsImport {
  readonly name = 'postes-fonjep';
  readonly label = 'Postes FONJEP du programme 147 (export Ci.Ville de l’ANCT, CSV : employeurs par leur nom)';
  protected readonly kind = 'poste-fonjep' as const;
  protected readonly dispositif = 'postes-fonjep';
  protected readonly employerBy = 'name' as const;

  /** `D01622`: a FONJEP post has no convention version; its id is its convention's number. */
  protected split(id: string) {
    return /^[A-Z][0-9]{5}$/.test(id) ? { postKey: id } : undefined;
  }

  protected postName(postKey: string, employer: string): string {
    return `Poste FONJEP ${postKey} – ${employer}`;
  }
}

const employerKey = (e: PostYear['employer']): string => (e.siret ? `siret:${e.siret}` : `name:${normaliseName(e.name)}`);

/** `19875.06` → 1987506; undefined for anything but a decimal number of euros with at most two decimals. */
function centsOf(text: string): number | undefined {
  return /^\d{1,12}(?:\.\d{1,2})?$/.test(text) ? parseEuroAmount(text) : undefined;
}

/** Communes, their CCAS and public bodies have a SIRET starting with 2 (public legal persons); the rest are taken as associations. */
const kindOfSiret = (legalName: string) => (/^(COM|COMMUNE|VILLE|MAIRIE|CCAS|CA |CC |CU |METROPOLE)\b/i.test(legalName) ? 'collectivite' : 'association');

function invalidFile(reason: string): RuleViolation {
  return new RuleViolation('invalid-import-file', `Rien n'a été importé : ${reason}`, 'file');
}

const asEvent = <E>(e: StoredEvent): E => ({ type: e.type, data: e.data }) as E;

async function load<S, E>(store: EventStore, stream: string, fold: (events: E[]) => S, evolve: (s: S, e: E) => S): Promise<Pending<S, E>> {
  const events = await store.readStream(stream);
  return { stream, state: fold(events.map(asEvent<E>)), revision: events.length - 1, events: [], evolve };
}

async function flush<S, E>(p: Pending<S, E>, context: ImportRunContext): Promise<void> {
  if (p.events.length === 0) return;
  await context.writer.append(p.stream, p.events, p.revision < 0 ? 'no_stream' : p.revision, p.events[0].occurredAt);
}

/** The details that differ from the post's: what an amendment changes. */
function changed(state: Extract<OperationState, { status: 'registered' }>, details: OperationDetails): Partial<OperationDetails> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) if (JSON.stringify(v) !== JSON.stringify((state as unknown as Record<string, unknown>)[k])) out[k] = v;
  // A flag the post no longer has is cleared.
  if (state.flags?.length && !details.flags) out.flags = [];
  return out as Partial<OperationDetails>;
}

/** Runs `work` on every item, `size` at a time. */
async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

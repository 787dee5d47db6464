import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { CommitmentState } from '@erbm/ledger/domain';

/** bigint cents come back as strings from node-postgres and as numbers from PGlite: always numbers here. */
const cents: ValueTransformer = { to: (v: number) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) };
const money = (name: string) => Column('bigint', { name, transformer: cents, default: 0 });

/** The commitment register: one row per commitment, every ledger apart. */
@Entity({ name: 'commitments' })
@Index(['financer', 'domain', 'fundingLine', 'arrondissement', 'fiscalYear'])
@Index(['operationId'])
export class CommitmentRow {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') domain!: string;
  @Column('text', { name: 'operation_id' }) operationId!: string;
  @Column('text', { name: 'operation_name', nullable: true }) operationName!: string | null;
  @Column('text') financer!: string;
  @Column('text', { name: 'funding_line' }) fundingLine!: string;
  /** INSEE code of the operation's arrondissement; '' while the operation is not located. */
  @Column('text') arrondissement!: string;
  @Column('int', { name: 'fiscal_year' }) fiscalYear!: number;
  @Column('text') status!: string;
  @money('announced') announced!: number;
  @money('programmed') programmed!: number;
  @money('committed') committed!: number;
  @money('certified') certified!: number;
  @money('ordered') ordered!: number;
  @money('paid') paid!: number;
  @money('released') released!: number;
  @money('recovered') recovered!: number;
  @money('reste_a_payer') resteAPayer!: number;
  @Column('int', { name: 'warning_count' }) warningCount!: number;
  @Column('jsonb') warnings!: object[];
  @Column('jsonb') decisions!: object[];
  @Column('jsonb', { name: 'legal_acts' }) legalActs!: object[];
  @Column('int') revision!: number;
  @Column('timestamptz', { name: 'last_recorded_at' }) lastRecordedAt!: Date;
  /** The decider's state, so the projection evolves it with the very code that decided. */
  @Column('jsonb') state!: CommitmentState;
}

/** Where each operation is, from the domains' published events. */
@Entity({ name: 'operation_locations' })
export class OperationLocationRow {
  @PrimaryColumn('text', { name: 'operation_id' }) operationId!: string;
  @Column('text') domain!: string;
  @Column('text', { nullable: true }) name!: string | null;
  @Column('text') arrondissement!: string;
  @Column('text', { name: 'commune_insee', nullable: true }) communeInsee!: string | null;
}

export const TOTAL_AXES = ['financer', 'domain', 'fundingLine', 'arrondissement', 'fiscalYear'] as const;
export type TotalAxis = (typeof TOTAL_AXES)[number];
export const TOTAL_LEDGERS = ['announced', 'programmed', 'committed', 'certified', 'ordered', 'paid', 'released', 'recovered', 'resteAPayer'] as const;
export type TotalLedger = (typeof TOTAL_LEDGERS)[number];

/** Consolidated totals by party × domain × funding line × arrondissement × fiscal year, for every ledger. */
@Entity({ name: 'consolidated_totals' })
export class ConsolidatedTotalRow {
  @PrimaryColumn('text') financer!: string;
  @PrimaryColumn('text') domain!: string;
  @PrimaryColumn('text', { name: 'funding_line' }) fundingLine!: string;
  @PrimaryColumn('text') arrondissement!: string;
  @PrimaryColumn('int', { name: 'fiscal_year' }) fiscalYear!: number;
  @Column('int') commitments!: number;
  @money('announced') announced!: number;
  @money('programmed') programmed!: number;
  @money('committed') committed!: number;
  @money('certified') certified!: number;
  @money('ordered') ordered!: number;
  @money('paid') paid!: number;
  @money('released') released!: number;
  @money('recovered') recovered!: number;
  @money('reste_a_payer') resteAPayer!: number;
}

export const COLUMN: Record<TotalAxis | TotalLedger, string> = {
  financer: 'financer',
  domain: 'domain',
  fundingLine: 'funding_line',
  arrondissement: 'arrondissement',
  fiscalYear: 'fiscal_year',
  announced: 'announced',
  programmed: 'programmed',
  committed: 'committed',
  certified: 'certified',
  ordered: 'ordered',
  paid: 'paid',
  released: 'released',
  recovered: 'recovered',
  resteAPayer: 'reste_a_payer',
};

import { Module } from '@nestjs/common';
import type { DomainPlugin } from '@erbm/shared/api';
import { TestItemsImportSource } from '@erbm/shared/api/testing';

/** Provides the made-up import source, which the first domain then declares (tests of the import machinery only). */
@Module({ providers: [TestItemsImportSource], exports: [TestItemsImportSource] })
export class TestImportsModule {}

/** The registry with the made-up source `test-items` added to the first domain's imports. */
export function withTestImportSource(domains: readonly DomainPlugin[]): DomainPlugin[] {
  return domains.map((d, i) => (i === 0 ? { ...d, imports: [...(d.imports ?? []), TestItemsImportSource] } : d));
}

export { upload } from '@erbm/shared/api/testing';

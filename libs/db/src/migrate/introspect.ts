import type { Pool } from 'pg';
import type { ExpectedIndex, ExpectedTable } from './prisma-schema';

/**
 * The same shape as {@link ExpectedTable}, read from a live database's catalog: ordinary tables in
 * `public` (minus `_prisma_migrations`), their columns, primary key, and unique/non-unique indexes
 * (the primary key's own index excluded).
 */
export async function introspect(pool: Pool): Promise<ExpectedTable[]> {
  const cols = await pool.query<{ table: string; name: string; type: string; nullable: boolean }>(`
    SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'
    ORDER BY c.relname, a.attnum`);
  const idx = await pool.query<{ table: string; columns: string[]; unique: boolean; primary: boolean; method: string }>(`
    SELECT t.relname AS table, i.indisunique AS unique, i.indisprimary AS primary, am.amname AS method,
           array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND t.relkind = 'r' AND t.relname <> '_prisma_migrations'`);
  const tables = new Map<string, ExpectedTable>();
  for (const c of cols.rows) {
    const t = tables.get(c.table) ?? { name: c.table, columns: [], primaryKey: [], indexes: [] };
    t.columns.push({ name: c.name, type: c.type, nullable: c.nullable });
    tables.set(c.table, t);
  }
  for (const i of idx.rows) {
    const t = tables.get(i.table);
    if (!t) continue;
    if (i.primary) t.primaryKey = i.columns;
    else t.indexes.push({ columns: i.columns, unique: i.unique, method: i.method as ExpectedIndex['method'] });
  }
  return [...tables.values()];
}

/** Differences between two schema descriptions, as sentences; empty when they agree. */
export function diffSchemas(expected: ExpectedTable[], actual: ExpectedTable[]): string[] {
  const out: string[] = [];
  const byName = new Map(actual.map((t) => [t.name, t]));
  const idxKey = (i: ExpectedIndex) => `${i.unique ? 'unique ' : ''}${i.method}(${i.columns.join(',')})`;
  for (const e of expected) {
    const a = byName.get(e.name);
    if (!a) {
      out.push(`table ${e.name} is in schema.prisma but not in the database`);
      continue;
    }
    byName.delete(e.name);
    const aCols = new Map(a.columns.map((c) => [c.name, c]));
    for (const c of e.columns) {
      const ac = aCols.get(c.name);
      if (!ac) out.push(`column ${e.name}.${c.name} is in schema.prisma but not in the database`);
      else {
        if (ac.type !== c.type) out.push(`column ${e.name}.${c.name}: schema.prisma says ${c.type}, database has ${ac.type}`);
        if (ac.nullable !== c.nullable) out.push(`column ${e.name}.${c.name}: schema.prisma says ${c.nullable ? 'nullable' : 'NOT NULL'}, database disagrees`);
        aCols.delete(c.name);
      }
    }
    for (const extra of aCols.keys()) out.push(`column ${e.name}.${extra} is in the database but not in schema.prisma`);
    if (e.primaryKey.join(',') !== a.primaryKey.join(',')) out.push(`table ${e.name}: primary key (${e.primaryKey}) vs database (${a.primaryKey})`);
    const eIdx = new Set(e.indexes.map(idxKey));
    const aIdx = new Set(a.indexes.map(idxKey));
    for (const k of eIdx) if (!aIdx.has(k)) out.push(`index ${e.name} ${k} is in schema.prisma but not in the database`);
    for (const k of aIdx) if (!eIdx.has(k)) out.push(`index ${e.name} ${k} is in the database but not in schema.prisma`);
  }
  for (const extra of byName.keys()) out.push(`table ${extra} is in the database but not in schema.prisma`);
  return out;
}

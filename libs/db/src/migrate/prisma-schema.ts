/**
 * A small reader for the parts of `schema.prisma` that describe the PostgreSQL schema: models, their
 * columns (type, nullability, `@map`, `@db.*`), primary keys, unique constraints and indexes. It exists
 * so the drift test can compare the typed client's view with the migrated database without Prisma's
 * native engine (which cannot be downloaded here). Only the constructs this project uses are supported;
 * anything else throws so the test cannot silently skip it.
 */
export interface ExpectedColumn {
  name: string;
  /** PostgreSQL type as `format_type()` prints it, e.g. `text`, `timestamp(3) with time zone`. */
  type: string;
  nullable: boolean;
}
export interface ExpectedIndex {
  columns: string[];
  unique: boolean;
  method: 'btree' | 'gin';
}
export interface ExpectedTable {
  name: string;
  columns: ExpectedColumn[];
  primaryKey: string[];
  indexes: ExpectedIndex[];
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Float: 'double precision',
};
const DB_TYPES: Record<string, (arg?: string) => string> = {
  Uuid: () => 'uuid',
  Text: () => 'text',
  Timestamptz: (a) => `timestamp(${a ?? '6'}) with time zone`,
  VarChar: (a) => (a ? `character varying(${a})` : 'character varying'),
};

function fieldList(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

export function readPrismaSchema(src: string): ExpectedTable[] {
  const models = [...src.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(models.map((m) => m[1]));
  const enumNames = new Set([...src.matchAll(/^enum\s+(\w+)/gm)].map((m) => m[1]));
  if (enumNames.size > 0) throw new Error('enums are not supported by readPrismaSchema');
  const tables: ExpectedTable[] = [];
  for (const [, modelName, body] of models) {
    const fieldToColumn = new Map<string, string>();
    const columns: ExpectedColumn[] = [];
    let primaryKey: string[] = [];
    const indexes: ExpectedIndex[] = [];
    let tableName = modelName;
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      if (line.startsWith('@@')) {
        const attr = /^@@(\w+)\(\s*(?:\[([^\]]*)\])?\s*(.*)\)$/.exec(line);
        if (!attr) throw new Error(`cannot read ${line}`);
        const [, kind, fieldsPart, rest] = attr;
        if (kind === 'map') {
          tableName = /"([^"]+)"/.exec(line)![1];
          continue;
        }
        const fields = fieldList(fieldsPart ?? '');
        const method = /type:\s*Gin/.test(rest) ? 'gin' : 'btree';
        if (kind === 'id') primaryKey = fields;
        else if (kind === 'unique') indexes.push({ columns: fields, unique: true, method });
        else if (kind === 'index') indexes.push({ columns: fields, unique: false, method });
        else throw new Error(`unsupported model attribute @@${kind}`);
        continue;
      }
      const f = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!f) throw new Error(`cannot read field line: ${line}`);
      const [, fieldName, typeName, list, optional, attrs] = f;
      if (modelNames.has(typeName)) continue; // relation field: no column
      if (list) throw new Error(`scalar lists are not supported (${modelName}.${fieldName})`);
      const scalar = SCALAR_TYPES[typeName];
      if (!scalar) throw new Error(`unsupported type ${typeName} (${modelName}.${fieldName})`);
      const column = /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? fieldName;
      const dbAttr = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attrs);
      let type = scalar;
      if (dbAttr) {
        const mk = DB_TYPES[dbAttr[1]];
        if (!mk) throw new Error(`unsupported @db.${dbAttr[1]}`);
        type = mk(dbAttr[2]);
      }
      fieldToColumn.set(fieldName, column);
      columns.push({ name: column, type, nullable: optional === '?' });
      if (/@id\b/.test(attrs)) primaryKey = [fieldName];
      if (/@unique\b/.test(attrs)) indexes.push({ columns: [fieldName], unique: true, method: 'btree' });
    }
    const toColumns = (fields: string[]) =>
      fields.map((n) => {
        const c = fieldToColumn.get(n);
        if (!c) throw new Error(`${modelName}: unknown field ${n}`);
        return c;
      });
    tables.push({
      name: tableName,
      columns,
      primaryKey: toColumns(primaryKey),
      indexes: indexes.map((i) => ({ ...i, columns: toColumns(i.columns) })),
    });
  }
  return tables;
}

import type { QueryResult, QueryResultRow } from 'pg';

/**
 * Anything that runs one SQL statement: the pool (autocommit) or a checked-out client inside a
 * transaction. Write repositories take one per call so a use case can run several of them in ONE
 * transaction that it owns.
 */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

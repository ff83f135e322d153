import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write';

/** What `enroll` keeps: the host token is shown once by the server, so it lives only here (mode 0600). */
export const StoredTokenSchema = z.object({
  hostId: z.string().min(1),
  token: z.string().min(1),
  server: z.string(),
  enrolledAt: z.string(),
});
export type StoredToken = z.infer<typeof StoredTokenSchema>;

export const tokenFile = (stateDir: string) => path.join(stateDir, 'token.json');

export async function saveToken(stateDir: string, token: StoredToken): Promise<string> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = tokenFile(stateDir);
  await writeFileAtomic(file, JSON.stringify(token, null, 2) + '\n', 0o600);
  return file;
}

/** The stored token, or undefined when the host has not enrolled (or the file is unreadable). */
export async function loadToken(stateDir: string): Promise<StoredToken | undefined> {
  try {
    const parsed = StoredTokenSchema.safeParse(JSON.parse(await fs.readFile(tokenFile(stateDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The agent's version, sent as `agent.version` in every snapshot (kept equal to package.json; a test checks). */
export const AGENT_VERSION = '0.1.0';

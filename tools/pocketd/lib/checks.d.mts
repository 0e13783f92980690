// Types of checks.mjs, for the TypeScript checks.

export type Check = (name: string, body: () => Promise<string | undefined>) => Promise<boolean>

export declare function createChecks(): { check: Check; report: () => number }

export declare function runChecks(main: () => Promise<number>): void

// Types of check-advisories.mjs, for the tests that import it.
export interface Floor {
  line: string;
  min: string;
  advisory: string;
}
export interface Unsafe {
  name: string;
  version: string;
  path: string;
  min: string;
  advisory: string;
}
export declare const floors: Record<string, Floor[]>;
export declare function compareVersions(a: string, b: string): -1 | 0 | 1;
export declare function floorFor(name: string, version: string): Floor | null;
export declare function findUnsafe(lock: { packages?: Record<string, { version: string; name?: string; link?: boolean }> }): Unsafe[];

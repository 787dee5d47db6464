/** The part of fs-native-extensions this code uses (the package ships no types). */
declare module 'fs-native-extensions' {
  /** Takes an exclusive lock on the whole file without waiting; false when another open file description holds it. */
  export function tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number, offset?: number, length?: number): void;
}

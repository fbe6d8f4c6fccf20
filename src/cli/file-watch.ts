/** Watching the config file for changes, however it is replaced. */
import { statSync, watch, type FSWatcher } from "node:fs";

/** dev:inode of what `file` names now (through symlinks, as a ConfigMap mount has), or undefined while it is missing. */
function fileIdentity(file: string): string | undefined {
  try {
    const stat = statSync(file);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onChange` once `file` has been quiet for `debounceMs` after a change.
 * fs.watch follows an inode, and an atomic save (`sed -i`, editors, a Kubernetes
 * ConfigMap swap) puts a new inode at the path, so the watch is re-armed on
 * whatever the path names now; while the path is missing (mid-save) it looks
 * again after each debounce. Throws if the file cannot be watched at all.
 * Returns a function that stops watching.
 */
export function watchFileChanges(file: string, debounceMs: number, onChange: () => void, onError: (error: Error) => void): () => void {
  let watcher: FSWatcher | undefined;
  let watchedIdentity: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(settle, debounceMs).unref();
  };
  const arm = () => {
    watcher?.close();
    watcher = undefined;
    watchedIdentity = fileIdentity(file);
    if (watchedIdentity === undefined) return;
    watcher = watch(file, { persistent: false }, changed);
    watcher.on("error", changed);
  };
  function settle() {
    if (watcher === undefined || fileIdentity(file) !== watchedIdentity) {
      try {
        arm();
      } catch (error) {
        onError(error as Error);
        return;
      }
      if (watcher === undefined) return changed();
    }
    onChange();
  }
  arm();
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}

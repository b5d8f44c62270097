/**
 * The person using this tab: a name on the mesh, kept across reloads (sessionStorage) and
 * different in each tab. A person is never listed as an agent (its link is a client link); the
 * name is what its messages are from and where answers come back.
 */
import { newId } from "../protocol";

const KEY = "switchboard.me";
const SAVED = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function personName(): string {
  try {
    const saved = sessionStorage.getItem(KEY);
    if (saved !== null && SAVED.test(saved)) return saved;
    const name = freshName();
    sessionStorage.setItem(KEY, name);
    return name;
  } catch {
    return freshName(); // storage refused (privacy mode): a new name per load is still correct
  }
}

function freshName(): string {
  return `you-${newId().slice(-6)}`;
}

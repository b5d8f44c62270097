/**
 * The person using this tab: a name on the mesh, kept across reloads (sessionStorage) and
 * different in each tab. A person is never listed as an agent (its credential lets it publish no
 * presence); the name is what its messages are from and where answers come back. Only the name
 * is kept: the tab's key pair is made anew on every load and never stored.
 */
import { newId } from "../protocol";

const KEY = "switchboard.me";
const SAVED = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function personName(): string {
  try {
    const saved = sessionStorage.getItem(KEY);
    if (saved !== null && SAVED.test(saved)) return saved;
  } catch {
    // storage refused (privacy mode): a new name per load is still correct
  }
  return renamePerson();
}

/** A fresh name for this tab, kept from now on (the old one was taken, e.g. by a duplicated tab). */
export function renamePerson(): string {
  const name = `you-${newId().slice(-6)}`;
  try {
    sessionStorage.setItem(KEY, name);
  } catch {
    // see personName
  }
  return name;
}

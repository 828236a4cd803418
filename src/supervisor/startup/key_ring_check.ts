import { decryptSecret, encryptSecret, type KeyRing } from "../../config/mod.ts";
import { logger } from "../../logging/mod.ts";

/**
 * Proves the key ring can encrypt and decrypt under its current version before
 * any subsystem stores a secret with it: a broken ring fails startup here, not
 * later as an unreadable provider key.
 */
export async function checkKeyRing(keyRing: KeyRing, path: string): Promise<KeyRing> {
  const probe = crypto.randomUUID();
  const decrypted = await decryptSecret(await encryptSecret(probe, keyRing), keyRing);
  if (decrypted !== probe) {
    throw new Error(`Cannot use key ring "${path}": round trip returned other bytes`);
  }
  logger("config").info("Key ring {path} ready (current version {version})", {
    path,
    version: keyRing.current,
  });
  return keyRing;
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

// Address allocation starts at interfaces.peer_address_hint instead of reading every peer. The
// invariant "every usable address below the hint is taken" holds because allocation raises the
// hint under the interface lock and this trigger lowers it whenever a peer frees an address (a
// delete, or an address change), whatever code path does it.
export class PeerAddressHint1763800000001 implements MigrationInterface {
  name = 'PeerAddressHint1763800000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interfaces ADD COLUMN peer_address_hint inet`);
    await q.query(`
      CREATE FUNCTION peers_lower_address_hint() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE interfaces SET peer_address_hint = set_masklen(OLD.address, 32)
         WHERE id = OLD.interface_id AND peer_address_hint > set_masklen(OLD.address, 32);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER tr_peers_lower_address_hint AFTER DELETE OR UPDATE OF address ON peers
        FOR EACH ROW EXECUTE FUNCTION peers_lower_address_hint()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS tr_peers_lower_address_hint ON peers`);
    await q.query(`DROP FUNCTION IF EXISTS peers_lower_address_hint()`);
    await q.query(`ALTER TABLE interfaces DROP COLUMN IF EXISTS peer_address_hint`);
  }
}

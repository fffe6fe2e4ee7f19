import type { CardType } from '../../drivers/idcard/id-card.js';

/**
 * A person registered by staff because no card could be read (children, passports, damaged cards,
 * foreigners without a chip card). The console refuses a number that fails its document's rule
 * before it gets here. `cardType` is the card family the document belongs to (its number is judged
 * again by the policy, like a card's); null for a document with no card type (passport, other),
 * whose number has no checkable rule and was checked by staff against the document.
 */
export interface RegisteredIdentity {
  registrationId: string;
  idNumber: string;
  cardType: CardType | null;
}

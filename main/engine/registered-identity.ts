/**
 * A person registered by staff because no card could be read (children, passports, damaged cards,
 * foreigners without a chip card). The console refuses a number that fails its document's rule
 * before it gets here, and staff have seen the document, so `idNumberValid` is normally true.
 */
export interface RegisteredIdentity {
  registrationId: string;
  idNumber: string;
  idNumberValid: boolean;
}

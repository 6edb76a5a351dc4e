/**
 * What sudi keeps for an email chat: the address, whether it is confirmed (double opt-in), and
 * two tokens of 256 random bits, one for the confirmation link and one for the unsubscribe
 * and topics page. The web archive finds a chat by these tokens (src/web/mail.ts), so their
 * names (`confirmToken`, `manageToken`, `confirmed`) are part of the stored format.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";

export const EmailAddressSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: "expected an email address such as reader@example.org" }));

export const EmailSettingsSchema = z.object({
  address: EmailAddressSchema,
  confirmed: z.boolean(),
  confirmToken: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  manageToken: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type EmailSettings = z.infer<typeof EmailSettingsSchema>;

export const newMailToken = () => randomBytes(32).toString("base64url");

/**
 * Feishu's custom-bot signature: HMAC-SHA256 keyed with "<timestamp>\n<secret>" over an empty
 * message, base64. The timestamp is in seconds and must be within an hour of Feishu's clock.
 */
import { createHmac } from "node:crypto";

export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac("sha256", `${timestampSeconds}\n${secret}`).update("").digest("base64");
}

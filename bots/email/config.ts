/**
 * Email's own variables, merged into the configuration by bots/registry.ts: the SMTP server
 * (a credential: user and password live in the URL) and the From address.
 */
import { z } from "zod";
import { type Config, defineConfig, emptyToUndefined, fragmentOf } from "../../src/config.ts";

export const emailConfig = defineConfig({
  shape: {
    SUDI_SMTP_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((u) => /^smtps?:\/\/\S+$/.test(u) && URL.canParse(u), {
          error: "expected smtp://user:password@host:587 or smtps://…:465",
        })
        .optional(),
    ),
    SUDI_MAIL_FROM: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .max(200)
        .regex(/^([^<>@\s]+ )?<?[^<>@\s]+@[^<>@\s]+>?$/, {
          error: "expected an address such as 论文速递 <sudi@example.org>",
        })
        .optional(),
    ),
  },
  secrets: ["SUDI_SMTP_URL"],
});

export function readEmailConfig(config: Config) {
  return fragmentOf(config, emailConfig);
}

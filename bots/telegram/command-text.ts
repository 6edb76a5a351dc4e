/**
 * Which messages are commands for this bot. In a group several bots may share a command name,
 * so Telegram lets users write /cmd@botname: a command addressed to another bot is not ours.
 */

const COMMAND = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?/;

/**
 * The command as src/commands expects it ("/subscribe 文生视频", "@ourbot" removed), or null
 * when `text` is no command or is addressed to another bot.
 */
export function commandText(text: string, botUsername: string): string | null {
  const match = COMMAND.exec(text);
  if (!match) return null;
  const [whole, name, mention] = match;
  if (mention !== undefined && mention.toLowerCase() !== botUsername.toLowerCase()) return null;
  return `/${name}${text.slice(whole.length)}`;
}

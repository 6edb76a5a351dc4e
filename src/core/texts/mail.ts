/** Every Chinese sentence of digest mail and of the archive's confirm and unsubscribe pages. */
export const MAIL = {
  subjectFallback: "论文速递",
  footerUnsubscribe: "退订或修改主题：",
  footerMailto: "退订：回复主题为 unsubscribe 的邮件到",
  confirmSubject: "请确认订阅论文速递",
  confirmBody: (link: string) =>
    `你好！有人（可能是你或管理员）把这个邮箱加入了论文速递的邮件推送。\n\n确认订阅请打开：\n${link}\n\n在确认之前不会发送任何推送；如果不是你本人的意愿，忽略这封邮件即可。`,
  confirmTitle: "确认订阅",
  confirmPrompt: (address: string) => `确认用 ${address} 接收论文速递的邮件推送？`,
  confirmButton: "确认订阅",
  confirmed: "✅ 已确认，之后每个 arXiv 公告日会把匹配订阅的新论文发到你的邮箱。",
  manageTitle: "退订与主题",
  managePrompt: (address: string) => `${address} 的论文速递邮件推送`,
  unsubscribeButton: "退订全部邮件",
  topicsLegend: "只想收到部分主题？勾选后保存：",
  topicsButton: "保存主题",
  unsubscribed: "已退订，不会再收到论文速递的邮件。想重新订阅请联系管理员。",
  topicsSaved: (n: number) => `✅ 已保存，现在订阅了 ${n} 个主题。`,
  topicsNone: "至少选一个主题；想全部退订请点“退订全部邮件”。",
  unsubscribedReason: "读者通过退订链接退订",
  pendingConfirmation: "等待读者点击确认链接",
  // CLI lines
  cliConfirmSent: (address: string) =>
    `📧 已向 ${address} 发送确认邮件；读者点击确认链接之前不会推送任何内容。`,
  cliTrusted: "未设置 SUDI_PUBLIC_URL（网页存档）：管理员添加的地址直接生效，退订链接为 mailto:。",
} as const;

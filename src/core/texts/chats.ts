/** What `sudi chats` prints to the operator, in Chinese (reasons come from the platforms). */
export const CHATS = {
  added: (id: number, name: string, platform: string) =>
    `✅ 已添加聊天 #${id}「${name}」（${platform}）`,
  updated: (id: number, name: string, platform: string) =>
    `✅ 已更新聊天 #${id}「${name}」（${platform}），并重新启用`,
  none: "还没有通过 sudi chats add 添加的聊天。",
  header: "编号  平台      名称                推送时间             状态与订阅",
  active: "推送中",
  paused: "已暂停",
  inactive: (reason: string | null) => `已停用：${reason ?? "原因未知"}`,
  subscriptions: (labels: string[]) => (labels.length ? `订阅：${labels.join("、")}` : "没有订阅"),
  removed: (id: number, name: string) => `🗑 已删除聊天 #${id}「${name}」及其订阅和推送记录`,
  notFound: (id: string) => `没有编号为 ${id} 的聊天（sudi chats list 查看编号）`,
} as const;

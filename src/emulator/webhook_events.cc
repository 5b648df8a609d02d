// The event table. Values are GenAuth's own event names (authing-node-sdk 4.0.1's CreateWebhookDto
// lists them); the selection covers every category, so clients meet more than one of each.
#include "emulator/webhook_events.h"

namespace genauth::emulator {
namespace {

struct Category {
  const char* value;
  const char* name;
  const char* name_en;
};

struct Event {
  const char* value;
  const char* name;
  const char* name_en;
  const char* category;
};

constexpr Category kCategories[] = {
    {"user", "用户", "User"},
    {"authentication", "认证", "Authentication"},
    {"permission", "权限", "Permission"},
    {"organization", "组织机构", "Organization"},
    {"test", "测试", "Test"},
};

constexpr Event kEvents[] = {
    {"user:created", "创建用户", "User created", "user"},
    {"user:updated", "修改用户信息", "User updated", "user"},
    {"user:deleted", "删除用户", "User deleted", "user"},
    {"user:blocked", "禁用用户", "User blocked", "user"},
    {"user:password-changed", "修改密码", "Password changed", "user"},
    {"login", "用户登录", "User login", "authentication"},
    {"register", "用户注册", "User register", "authentication"},
    {"mfa:verified", "MFA 验证", "MFA verified", "authentication"},
    {"role:created", "创建角色", "Role created", "permission"},
    {"role:assigned", "分配角色", "Role assigned", "permission"},
    {"role:unassigned", "取消分配角色", "Role unassigned", "permission"},
    {"permission:add", "授权", "Permission granted", "permission"},
    {"organization:created", "创建组织机构", "Organization created", "organization"},
    {"organization:member-added", "添加组织成员", "Organization member added", "organization"},
    {"organization:member-removed", "移除组织成员", "Organization member removed", "organization"},
    {"test", "测试事件", "Test event", "test"},
};

}  // namespace

nlohmann::json WebhookEventList() {
  nlohmann::json categories = nlohmann::json::array();
  for (const Category& category : kCategories) {
    categories.push_back(
        {{"name", category.name}, {"nameEn", category.name_en}, {"value", category.value}});
  }
  nlohmann::json events = nlohmann::json::array();
  for (const Event& event : kEvents) {
    events.push_back({{"name", event.name},
                      {"nameEn", event.name_en},
                      {"value", event.value},
                      {"category", event.category}});
  }
  return {{"categories", categories}, {"events", events}};
}

}  // namespace genauth::emulator

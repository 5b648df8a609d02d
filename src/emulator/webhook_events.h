// get-webhook-event-list's data: a fixed, realistic subset of GenAuth's webhook events.
#pragma once

#include <nlohmann/json.hpp>

namespace genauth::emulator {

// {categories: [{name, nameEn, value}], events: [{name, nameEn, value, category}]}, names in
// Chinese as GenAuth's console shows them. Every event's category is one of the categories.
nlohmann::json WebhookEventList();

}  // namespace genauth::emulator

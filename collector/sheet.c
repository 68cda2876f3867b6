#include "sheet.h"

const char *const FIELD_EN[F_N] = {
    "event_id", "village_id", "occurred_on", "type", "operator_id", "operator_name",
    "category", "action", "kind", "outcome", "three_no_items", "expired_items",
    "unqualified_staff", "rectify_by", "notice_event_id", "status", "participants", "copies",
    "role", "person_name", "month", "replaces", "reason",
};
const char *const FIELD_ZH[F_N] = {
    "事件编号", "村代码", "日期", "类型", "经营者编号", "经营者名称", "类别", "登记事项/变动",
    "检查类型/宣传类型", "检查结果", "三无食品", "过期食品", "无证人员", "整改期限",
    "整改通知编号", "整改状态", "参加人数", "资料份数", "岗位", "姓名", "月份",
    "更正编号", "更正原因",
};

const struct colname COLS[] = {
    {"event_id", F_EVENT_ID, B_ALL},       {"eventId", F_EVENT_ID, B_ALL},
    {"事件编号", F_EVENT_ID, B_ALL},         {"编号", F_EVENT_ID, B_ALL},
    {"village_id", F_VILLAGE, B_ALL},      {"villageId", F_VILLAGE, B_ALL},
    {"村代码", F_VILLAGE, B_ALL},            {"村编码", F_VILLAGE, B_ALL},
    {"行政村代码", F_VILLAGE, B_ALL},
    {"occurred_on", F_DATE, B_ALL},        {"occurredOn", F_DATE, B_ALL},
    {"date", F_DATE, B_ALL},               {"日期", F_DATE, B_ALL},
    {"发生日期", F_DATE, B_ALL},
    {"type", F_TYPE, B_ALL},               {"类型", F_TYPE, B_ALL},
    {"事件类型", F_TYPE, B_ALL},
    {"operator_id", F_OPERATOR_ID, B_REG | B_INSP | B_RECT},
    {"operatorId", F_OPERATOR_ID, B_REG | B_INSP | B_RECT},
    {"经营者编号", F_OPERATOR_ID, B_REG | B_INSP | B_RECT},
    {"operator_name", F_OPERATOR_NAME, B_REG}, {"operatorName", F_OPERATOR_NAME, B_REG},
    {"经营者名称", F_OPERATOR_NAME, B_REG},
    {"category", F_CATEGORY, B_REG | B_INSP}, {"类别", F_CATEGORY, B_REG | B_INSP},
    {"经营类别", F_CATEGORY, B_REG | B_INSP},
    {"action", F_ACTION, B_REG | B_STAFF},  {"登记事项", F_ACTION, B_REG},
    {"登记类型", F_ACTION, B_REG},           {"变动", F_ACTION, B_STAFF},
    {"人员变动", F_ACTION, B_STAFF},
    {"kind", F_KIND, B_INSP | B_PUB},       {"检查类型", F_KIND, B_INSP},
    {"检查方式", F_KIND, B_INSP},            {"宣传类型", F_KIND, B_PUB},
    {"宣传形式", F_KIND, B_PUB},
    {"outcome", F_OUTCOME, B_INSP},         {"检查结果", F_OUTCOME, B_INSP},
    {"处理结果", F_OUTCOME, B_INSP},
    {"three_no_items", F_THREE_NO, B_INSP}, {"threeNoItems", F_THREE_NO, B_INSP},
    {"三无食品", F_THREE_NO, B_INSP},        {"三无食品（件）", F_THREE_NO, B_INSP},
    {"expired_items", F_EXPIRED, B_INSP},   {"expiredItems", F_EXPIRED, B_INSP},
    {"过期食品", F_EXPIRED, B_INSP},          {"过期变质食品", F_EXPIRED, B_INSP},
    {"过期变质食品（件）", F_EXPIRED, B_INSP},
    {"unqualified_staff", F_UNQUALIFIED, B_INSP}, {"unqualifiedStaff", F_UNQUALIFIED, B_INSP},
    {"无证人员", F_UNQUALIFIED, B_INSP},      {"无健康证人员", F_UNQUALIFIED, B_INSP},
    {"rectify_by", F_RECTIFY_BY, B_INSP},   {"rectifyBy", F_RECTIFY_BY, B_INSP},
    {"整改期限", F_RECTIFY_BY, B_INSP},
    {"notice_event_id", F_NOTICE, B_RECT},  {"noticeEventId", F_NOTICE, B_RECT},
    {"整改通知编号", F_NOTICE, B_RECT},
    {"status", F_STATUS, B_RECT},           {"整改状态", F_STATUS, B_RECT},
    {"整改结果", F_STATUS, B_RECT},
    {"participants", F_PARTICIPANTS, B_PUB}, {"参加人数", F_PARTICIPANTS, B_PUB},
    {"人数", F_PARTICIPANTS, B_PUB},
    {"copies", F_COPIES, B_PUB},            {"资料份数", F_COPIES, B_PUB},
    {"份数", F_COPIES, B_PUB},
    {"role", F_ROLE, B_STAFF},              {"岗位", F_ROLE, B_STAFF},
    {"职务", F_ROLE, B_STAFF},
    {"person_name", F_PERSON, B_STAFF},     {"personName", F_PERSON, B_STAFF},
    {"姓名", F_PERSON, B_STAFF},
    {"month", F_MONTH, B_NIL},              {"月份", F_MONTH, B_NIL},
    {"报告月份", F_MONTH, B_NIL},
    /* a correction (更正): the row replaces the event of that id, for that
     * reason (docs/INPUT.md) */
    {"replaces", F_REPLACES, B_ALL},        {"更正编号", F_REPLACES, B_ALL},
    {"被更正编号", F_REPLACES, B_ALL},
    {"reason", F_REASON, B_ALL},            {"更正原因", F_REASON, B_ALL},
};
const size_t N_COLS = sizeof COLS / sizeof COLS[0];

const struct bodydef BODIES[] = {
    {B_REG, {"registration", "登记", NULL}, {F_OPERATOR_ID, F_CATEGORY, F_ACTION, F_N}},
    {B_INSP, {"inspection", "检查", NULL}, {F_OPERATOR_ID, F_CATEGORY, F_KIND, F_OUTCOME}},
    {B_RECT, {"rectification", "整改", NULL}, {F_OPERATOR_ID, F_STATUS, F_N}},
    {B_PUB, {"publicity", "宣传", NULL}, {F_KIND, F_N}},
    {B_STAFF, {"staffing", "人员", "人员配备", NULL}, {F_ROLE, F_PERSON, F_ACTION, F_N}},
    {B_NIL, {"nil_report", "零报告", "nilReport", NULL}, {F_MONTH, F_N}},
};
const size_t N_BODIES = sizeof BODIES / sizeof BODIES[0];

const struct bodydef *body_of(unsigned bit)
{
    for (size_t i = 0; i < N_BODIES; i++)
        if (BODIES[i].bit == bit)
            return &BODIES[i];
    return NULL;
}

const struct label CATEGORY_ZH[] = {
    {"食品生产企业", 1}, {"生产企业", 1}, {"小作坊", 2}, {"大型餐饮", 3}, {"中型餐饮", 4},
    {"小型餐饮", 5}, {"小餐饮店", 6}, {"小吃店", 6}, {"学校食堂", 7}, {"食品批发户", 8},
    {"批发户", 8}, {"商超", 9}, {"超市", 9}, {"食杂店", 10}, {"小经营店", 11}, {"流动厨师", 12},
    {NULL, 0},
};
const struct label REG_ACTION_ZH[] = {
    {"开业", 1}, {"登记", 1}, {"新办", 1}, {"注销", 2}, {"关闭", 2}, {"停业", 2}, {NULL, 0},
};
const struct label INSP_KIND_ZH[] = {
    {"定期", 1}, {"定期检查", 1}, {"不定期", 2}, {"不定期检查", 2}, {"专项整治", 3},
    {"联合", 4}, {"联合检查", 4}, {NULL, 0},
};
const struct label OUTCOME_ZH[] = {
    {"合格", 1}, {"责令整改", 2}, {"限期整改", 2}, {"下架", 3}, {"销毁", 4}, {NULL, 0},
};
const struct label STATUS_ZH[] = {
    {"已完成", 1}, {"完成", 1}, {"逾期", 2}, {"逾期未改", 2}, {NULL, 0},
};
const struct label PUB_KIND_ZH[] = {
    {"集中学习", 1}, {"专题讲座", 2}, {"讲座", 2}, {"宣传资料", 3}, {"发放资料", 3},
    {"横幅", 4}, {"宣传栏", 5}, {NULL, 0},
};
const struct label ROLE_ZH[] = {{"协管员", 1}, {"信息员", 2}, {NULL, 0}};
const struct label STAFF_ACTION_ZH[] = {
    {"配备", 1}, {"任命", 1}, {"上岗", 1}, {"免去", 2}, {"解除", 2}, {"离岗", 2}, {NULL, 0},
};

const char *label_zh(const struct label *table, int value)
{
    for (const struct label *l = table; l->zh; l++)
        if (l->value == value)
            return l->zh;
    return NULL;
}

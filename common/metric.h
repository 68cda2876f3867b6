/* metric: the rollup vocabulary, in one place. The aggregator writes these
 * names into rollup rows and profile entries, the county receives them in
 * FigureBatches (validate_metric checks them) and the reporter reads them
 * back: a name spelt here is spelt the same in all three.
 *
 * A metric is a flow or a stock (rollup.h says how each is summed):
 *  - flows: how many in a (village, month);
 *  - stocks, names starting METRIC_STOCK_PREFIX: the net change of a count
 *    of things open at month end.
 * Names made from an enum take its value's name without the type prefix
 * (codec_enum_suffix): METRIC_INSP_KIND_PREFIX "ROUTINE" for
 * INSPECTION_KIND_ROUTINE. The METRIC_x(SUFFIX) macros spell one such name
 * at compile time: METRIC_PUB(STUDY_SESSION) is "pub.STUDY_SESSION".
 *
 * Every name is a string literal, so SQL can be built around it by
 * concatenation ("... WHERE metric GLOB '" METRIC_STOCK_PREFIX "*'"). */
#ifndef SHIBAO_METRIC_H
#define SHIBAO_METRIC_H

/* ------------------------------------------------------------ by enum value */

/* events.<body>: events of that body, by the Event's body field name
 * (registration, inspection, rectification, publicity, staffing); a nil
 * report counts none. */
#define METRIC_EVENTS_PREFIX "events."
#define METRIC_EVENTS(body) METRIC_EVENTS_PREFIX #body
/* Not a rollup row: the reporter's name for a village's events.* of a
 * month summed (the county keeps it as village_events). */
#define METRIC_EVENTS_ANY METRIC_EVENTS_PREFIX "any"

/* Stocks: every name under this prefix is summed over all months up to a
 * period's end, every other one over the period's months. */
#define METRIC_STOCK_PREFIX "stock."
/* operators open at month end, by Category (figures 2-15) */
#define METRIC_STOCK_REG_PREFIX METRIC_STOCK_PREFIX "reg."
#define METRIC_STOCK_REG(category) METRIC_STOCK_REG_PREFIX #category
/* persons assigned at month end, by StaffRole (figure 21, per village) */
#define METRIC_STOCK_STAFF_PREFIX METRIC_STOCK_PREFIX "staff."
#define METRIC_STOCK_STAFF(role) METRIC_STOCK_STAFF_PREFIX #role

/* registration events by RegistrationAction (reg.OPENED, reg.CLOSED) */
#define METRIC_REG_PREFIX "reg."
#define METRIC_REG(action) METRIC_REG_PREFIX #action
/* inspections by InspectionKind, InspectionOutcome and Category */
#define METRIC_INSP_KIND_PREFIX "insp.kind."
#define METRIC_INSP_KIND(kind) METRIC_INSP_KIND_PREFIX #kind
#define METRIC_INSP_OUTCOME_PREFIX "insp.outcome."
#define METRIC_INSP_OUTCOME(outcome) METRIC_INSP_OUTCOME_PREFIX #outcome
#define METRIC_INSP_CAT_PREFIX "insp.cat."
#define METRIC_INSP_CAT(category) METRIC_INSP_CAT_PREFIX #category
/* rectifications by RectificationStatus */
#define METRIC_RECT_PREFIX "rect."
#define METRIC_RECT(status) METRIC_RECT_PREFIX #status
/* publicity events by PublicityKind (figure 22: METRIC_PUB(STUDY_SESSION)) */
#define METRIC_PUB_PREFIX "pub."
#define METRIC_PUB(kind) METRIC_PUB_PREFIX #kind

/* ------------------------------------------------------------ fixed names */

/* sums of the inspections' counted fields */
#define METRIC_THREE_NO_ITEMS "insp.three_no_items"
#define METRIC_EXPIRED_ITEMS "insp.expired_items"
#define METRIC_UNQUALIFIED_STAFF "insp.unqualified_staff"
/* ROUTINE inspections of distribution categories (figure 25) */
#define METRIC_ROUTINE_DISTRIBUTION "insp.routine_distribution"
/* publicity sums: participants, and copies of MATERIALS (figure 23) */
#define METRIC_PARTICIPANTS "pub.participants"
#define METRIC_COPIES "pub.copies"

/* Completeness and revisions (aggregator/count.h; docs/REPORTS.md), per
 * village and the month reported (a nil report's month, else
 * occurred_on's). What the township records on receipt: a recount from the
 * ledger (verify) cannot know the late.* and village.* ones. */
#define METRIC_FIRST_DAY "report.first_day"   /* day (from 1970-01-01) first received; set once */
#define METRIC_NIL "report.nil"               /* 1: a nil report (零报告) for the month */
#define METRIC_LATE_PREFIX "late."
#define METRIC_LATE_BATCHES METRIC_LATE_PREFIX "batches"   /* batches after the month's deadline */
#define METRIC_LATE_LAST_DAY METRIC_LATE_PREFIX "last_day" /* the latest such day (kept at the max) */
/* events of the month retracted or replaced by their village (a
 * correction, aggregator/correct.h): counted once per event, at the month
 * of the event corrected. Not a receipt-time metric: verify recounts it. */
#define METRIC_CORRECTED "report.corrected"
/* +1 at the month of enrolment, -1 at the month of revocation (roster):
 * a village is expected to report while the sum is > 0 */
#define METRIC_VILLAGE_PREFIX "village."
#define METRIC_ENROLLED METRIC_VILLAGE_PREFIX "enrolled"

/* ------------------------------------------------------------ profile keys */

/* The township's facts (aggregator/profile.h's INI keys; the numbers are
 * docs/FIGURES.md's placeholders). */
#define PROFILE_KEY_NAME "name"
#define PROFILE_KEY_HEAD "head"                         /* 16 */
#define PROFILE_KEY_ENFORCEMENT_HEAD "enforcement_head" /* 17 */
#define PROFILE_KEY_MARKET_OFFICE "market_office"       /* 18, 24 */
#define PROFILE_KEY_MARKET_DIRECTOR "market_director"   /* 19 */
#define PROFILE_KEY_OFFICE_STAFF "office_staff"         /* 20, a number */
/* The township's own report words (docs/REPORTS.md): the absolute path of
 * a whole template, or of its own 三、四, on the township's machine. Only
 * the township's reporter reads them; the county renders its default. */
#define PROFILE_KEY_TEMPLATE "template"
#define PROFILE_KEY_SECTIONS "sections"
/* village.<12-digit code>: a village's name */
#define PROFILE_VILLAGE_PREFIX "village."

#endif

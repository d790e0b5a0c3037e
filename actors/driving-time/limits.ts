/**
 * The numbers of Regulation (EC) No 561/2006, in seconds (the unit of every
 * counter in this folder). Article numbers are the regulation's as amended by
 * Regulation (EU) 2020/1054.
 */

export const MINUTE_S = 60;
export const HOUR_S = 3_600;
export const DAY_S = 86_400;
export const WEEK_S = 604_800;

/** Art. 7: at most 4 h 30 min of driving before a break. */
export const CONTINUOUS_DRIVING_MAX_S = 4.5 * HOUR_S;
/** Art. 7: the break after 4 h 30 min of driving. */
export const BREAK_S = 45 * MINUTE_S;
/** Art. 7: a split break is at least 15 min followed by at least 30 min (in that order). */
export const BREAK_FIRST_PART_S = 15 * MINUTE_S;
export const BREAK_SECOND_PART_S = 30 * MINUTE_S;

/** Art. 6.1: daily driving time 9 h, extended to 10 h at most twice in a week. */
export const DAILY_DRIVING_MAX_S = 9 * HOUR_S;
export const DAILY_DRIVING_EXTENDED_MAX_S = 10 * HOUR_S;
export const DAILY_EXTENSIONS_PER_WEEK = 2;

/** Art. 6.2: weekly driving time. */
export const WEEKLY_DRIVING_MAX_S = 56 * HOUR_S;
/** Art. 6.3: total driving in any two consecutive weeks. */
export const FORTNIGHT_DRIVING_MAX_S = 90 * HOUR_S;

/** Art. 4(g): regular daily rest 11 h, or 3 h + 9 h (in that order). */
export const DAILY_REST_REGULAR_S = 11 * HOUR_S;
export const SPLIT_REST_FIRST_PART_S = 3 * HOUR_S;
/** Art. 4(g): reduced daily rest at least 9 h (and the second part of a split rest). */
export const DAILY_REST_REDUCED_S = 9 * HOUR_S;
/** Art. 8.4: at most three reduced daily rests between two weekly rests. */
export const REDUCED_DAILY_RESTS_MAX = 3;
/** Art. 8.2: a new daily rest within each 24 h after the end of the previous daily or weekly rest. */
export const DAILY_REST_WINDOW_S = 24 * HOUR_S;
/** Latest start of a daily rest that still leaves a reduced rest inside the window (24 h - 9 h). */
export const DAILY_REST_LATEST_START_S = DAILY_REST_WINDOW_S - DAILY_REST_REDUCED_S;
/** Latest start of a daily rest that still leaves a regular rest inside the window (24 h - 11 h). */
export const DAILY_REST_REGULAR_LATEST_START_S = DAILY_REST_WINDOW_S - DAILY_REST_REGULAR_S;

/** Art. 4(h): regular weekly rest 45 h, reduced weekly rest 24 h. */
export const WEEKLY_REST_REGULAR_S = 45 * HOUR_S;
export const WEEKLY_REST_REDUCED_S = 24 * HOUR_S;
/** Art. 8.6: a weekly rest starts no later than six 24-hour periods after the previous one ended. */
export const WEEKLY_REST_INTERVAL_S = 6 * DAY_S;
/** Art. 8.6: a reduction is compensated before the end of the third week following the week in question. */
export const COMPENSATION_WEEKS = 3;

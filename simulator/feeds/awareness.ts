/**
 * Awareness-training snapshots. Unlike the log feeds these are "the state today": a directory of users that
 * drifts slowly (each user re-rolls whether they are enrolled on their own 30-day cycle) and per-user
 * scores that change day by day. Same seed and day → same snapshot.
 */
import { Rng, hashOf, unitOf } from "../core/random";
import { DAY_MS, formatMimecastTime } from "../core/time-format";
import { directoryPerson } from "./identities";
import type { LogRecord } from "./types";

const DIRECTORY_SIZE = 80;
const ENROLMENT_CYCLE_DAYS = 30;
const CAMPAIGN_EVERY_DAYS = 14;
const CAMPAIGN_HISTORY_DAYS = 180;

export interface AwarenessUser {
  n: number;
  userId: string;
  name: string;
  email: string;
  department: string;
}

export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

export function enrolledUsers(seed: number, day: number): AwarenessUser[] {
  const users: AwarenessUser[] = [];
  for (let n = 0; n < DIRECTORY_SIZE; n++) {
    const phase = hashOf(seed, "at-phase", n) % ENROLMENT_CYCLE_DAYS;
    const cycle = Math.floor((day + phase) / ENROLMENT_CYCLE_DAYS);
    if (unitOf(hashOf(seed, "at-enrolled", n, cycle)) < 0.85) users.push({ n, ...directoryPerson(n) });
  }
  return users;
}

const GRADES = ["A", "B", "C", "D", "F"] as const;

function userRng(seed: number, kind: string, user: AwarenessUser, day: number): Rng {
  return new Rng(hashOf(seed, kind, user.n, day));
}

export function performanceDetails(seed: number, now: number, includeUserDetails: boolean): LogRecord[] {
  const day = dayOf(now);
  return enrolledUsers(seed, day).map((user) => {
    const rng = userRng(seed, "at-performance", user, day);
    const record: LogRecord = {
      userId: user.userId,
      email: user.email,
      name: user.name,
      department: user.department,
      userState: "ACTIVE",
      numCorrect: rng.int(0, 40),
      numIncorrect: rng.int(0, 10),
      numNotWatched: rng.int(0, 6),
    };
    if (includeUserDetails) {
      record.userDetails = {
        title: rng.pick(["Analyst", "Manager", "Engineer", "Assistant"]),
        location: rng.pick(["London", "Boston", "Sydney"]),
      };
    }
    return record;
  });
}

export function safeScoreDetails(seed: number, now: number): LogRecord[] {
  const day = dayOf(now);
  return enrolledUsers(seed, day).map((user) => {
    const rng = userRng(seed, "at-safe-score", user, day);
    return {
      emailAddress: user.email,
      name: user.name,
      department: user.department,
      userState: "ACTIVE",
      risk: rng.pick(GRADES),
      humanError: rng.pick(GRADES),
      sentiment: rng.pick(GRADES),
      engagement: rng.pick(GRADES),
      knowledge: rng.pick(GRADES),
    };
  });
}

export function watchlistDetails(seed: number, now: number): LogRecord[] {
  const day = dayOf(now);
  const out: LogRecord[] = [];
  for (const user of enrolledUsers(seed, day)) {
    const rng = userRng(seed, "at-watchlist", user, day);
    const watchlistCount = rng.chance(0.25) ? rng.int(1, 5) : 0;
    if (watchlistCount > 0) {
      out.push({
        email: user.email,
        name: user.name,
        department: user.department,
        userState: "ACTIVE",
        watchlistCount,
      });
    }
  }
  return out;
}

interface Campaign {
  number: number;
  id: string;
  launchedAt: number;
}

function campaignId(seed: number, number: number): string {
  return `cmp-${number}-${hashOf(seed, "at-campaign", number).toString(16).padStart(8, "0")}`;
}

function launchedCampaigns(seed: number, now: number): Campaign[] {
  const phase = hashOf(seed, "at-campaign-phase") % CAMPAIGN_EVERY_DAYS;
  const out: Campaign[] = [];
  const lastNumber = Math.floor((dayOf(now) - phase) / CAMPAIGN_EVERY_DAYS);
  const count = Math.floor(CAMPAIGN_HISTORY_DAYS / CAMPAIGN_EVERY_DAYS);
  for (let number = lastNumber - count + 1; number <= lastNumber; number++) {
    const launchedAt = (number * CAMPAIGN_EVERY_DAYS + phase) * DAY_MS + 9 * 3_600_000;
    if (launchedAt <= now) out.push({ number, id: campaignId(seed, number), launchedAt });
  }
  return out;
}

export function campaigns(seed: number, now: number): LogRecord[] {
  return launchedCampaigns(seed, now).map((campaign) => {
    const rng = new Rng(hashOf(seed, "at-campaign-stats", campaign.number));
    const sent = rng.int(40, 70);
    return {
      id: campaign.id,
      name: `Phishing simulation #${campaign.number % 1000}`,
      templateName: rng.pick(["Shared document", "Parcel delivery", "Password expiry", "Invoice overdue"]),
      launchDate: formatMimecastTime(campaign.launchedAt),
      numberSent: sent,
      numberOpened: rng.int(10, sent),
      numberClicked: rng.int(0, 15),
      numberReported: rng.int(0, 20),
    };
  });
}

/** Per-user results of one campaign; `undefined` when the campaign does not exist (yet). */
export function campaignUserData(seed: number, now: number, id: string): LogRecord[] | undefined {
  const campaign = launchedCampaigns(seed, now).find((c) => c.id === id);
  if (!campaign) return undefined;
  return enrolledUsers(seed, dayOf(campaign.launchedAt)).map((user) => {
    const rng = userRng(seed, `at-user-data-${campaign.number}`, user, 0);
    const opened = rng.chance(0.6);
    const clicked = opened && rng.chance(0.25);
    const reported = rng.chance(0.2);
    const at = (minutes: number): string => formatMimecastTime(campaign.launchedAt + minutes * 60_000);
    return {
      email: user.email,
      name: user.name,
      department: user.department,
      userState: "ACTIVE",
      status: clicked ? "CLICKED" : opened ? "OPENED" : "SENT",
      templateName: "Phishing simulation",
      timeScheduled: at(0),
      timeOpened: opened ? at(rng.int(5, 600)) : null,
      timeClicked: clicked ? at(rng.int(600, 900)) : null,
      timeReported: reported ? at(rng.int(5, 900)) : null,
      timeScanned: null,
      timeSubmitted: null,
      clickedIp: clicked ? `203.0.113.${rng.int(1, 254)}` : null,
      reactionTime: clicked || reported ? rng.int(60, 50_000) : null,
      numCampaignsSent: rng.int(1, 12),
      numCampaignsClicked: rng.int(0, 3),
      numCampaignsScanned: 0,
      numCampaignsClickedScanned: 0,
      numCorrectAnswers: rng.int(0, 10),
      numIncorrectAnswers: rng.int(0, 3),
      numTrainingModulesAssigned: rng.int(0, 4),
    };
  });
}

"""Meeting recordings for the meeting_recording profile, in five ways of saying the same
things (which label, which verb, the date before or after the month, a lead-in word), with
the fields they hold; spoken by espeak-ng with pauses between sentences. For
bench/profiles.py and the tests."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from docintel.testkit.profile_samples import Sample

TOPICS = ["the spring product launch", "the new warehouse", "the customer survey",
          "the office move", "the annual budget"]  # fmt: skip
NAMES = ["Peter Smith", "Sarah Jones", "David Brown", "Emma Wilson", "James Taylor",
         "Laura Miller"]  # fmt: skip
DECISIONS = ["move the launch to the spring", "hire two more drivers", "cut travel costs",
             "send the survey to every customer", "sign the new lease"]  # fmt: skip
TASKS = ["send the revised budget", "book the meeting room", "call the landlord",
         "update the price list", "write the press release", "order the new laptops"]  # fmt: skip
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth"]  # fmt: skip
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip


def nearest(month: int, day: int, today: date) -> date:
    """The nearest such day to ``today``, as the engine reads a date said without a year."""
    options = [date(today.year + k, month, day) for k in (-1, 0, 1)]
    return min(options, key=lambda d: abs((d - today).days))


def meeting(rng: random.Random, layout: int, today: date | None = None) -> Sample:
    today = today or date.today()
    topic, decision = rng.choice(TOPICS), rng.choice(DECISIONS)
    people = rng.sample(NAMES, 3)
    attendees = f"{people[0]}, {people[1]} and {people[2]}"
    items = []
    said_items = []
    for owner, task in zip(people[:2], rng.sample(TASKS, 2), strict=True):
        month, day = rng.randint(1, 12), rng.randint(1, 12)
        due = nearest(month, day, today)
        items.append({"action": task, "owner": owner, "due_date": due.isoformat()})
        when = (
            f"the {ORDINALS[day - 1]} of {MONTHS[month - 1]}"
            if layout % 2 == 0
            else f"{MONTHS[month - 1]} {day}"
        )
        said_items.append(
            [
                f"Action item: {owner} will {task} by {when}.",
                f"Task: {owner} is going to {task} before {when}.",
                f"Next step, action item. {owner} will {task} by {when}.",
                f"Action: {owner} to {task} by {when}.",
                f"And action item: {owner} will {task} until {when}.",
            ][layout]
        )
    opening = [
        f"Topic: {topic}.",
        f"Welcome everybody. Topic: {topic}.",
        f"Agenda: {topic}.",
        f"Hello all. Subject: {topic}.",
        f"Topic: {topic}.",
    ][layout]
    who = [
        f"Attendees are {attendees}.",
        f"Participants: {attendees}.",
        f"Present: {attendees}.",
        f"Attendees: {attendees}.",
        f"Participants are {attendees}.",
    ][layout]
    decided = [
        f"We decided to {decision}.",
        f"Decision: {decision}.",
        f"We agreed to {decision}.",
        f"Decided: {decision}.",
        f"We decided that we {decision}.",
    ][layout]
    decided_value = decision if layout != 4 else f"we {decision}"
    return Sample(
        "meeting_recording",
        layout,
        [opening, who, decided, *said_items, "Thanks everyone, talk soon."],
        truth={"title": topic, "attendees": attendees, "decisions": decided_value},
        items=items,
    )


def write_meeting(sample: Sample, path: Path, seed: int = 0) -> Path:
    """The sample spoken, a pause of 0.6-1.5 s after each sentence, as a 16 kHz WAV."""
    import numpy as np

    from docintel.testkit.audio_samples import RATE, speak, write_wav

    rng = random.Random(seed)
    pieces = []
    for sentence in sample.lines:
        pieces += [speak(sentence), np.zeros(int(RATE * rng.uniform(0.6, 1.5)), np.float32)]
    return write_wav(path, np.concatenate(pieces))

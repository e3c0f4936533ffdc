"""Names of the roster changes, so clients send them without importing the workflows' code.

Each is a workflow update with a validator (a refused change changes nothing):
- on the programme: `ADD_PARTICIPANTS`, `WITHDRAW_PARTICIPANT`, `CHANGE_EMAIL`, and
  `EXTEND_TASK` for a self-assessment (open or expired: a new window replaces it);
- on a pair: `EXTEND_TASK` for one of its open tasks.
Signals the programme sends its participants' and pairs' workflows after a withdrawal.
"""

from __future__ import annotations

ADD_PARTICIPANTS = "add_participants"
WITHDRAW_PARTICIPANT = "withdraw_participant"
CHANGE_EMAIL = "change_email"
EXTEND_TASK = "extend_task"
# Signals: to a pair, one of its two left the programme; to a self-assessment window, stop
# (its participant left), or close later (its deadline was extended: the new one, a datetime).
PARTICIPANT_WITHDRAWN = "participant_withdrawn"
# Onboarding: a pair tells the programme one of its partners accepted the charter, and the
# programme tells that participant's other pairs waiting for it.
PARTICIPANT_ONBOARDED = "participant_onboarded"
STAND_DOWN = "stand_down"
EXTEND_WINDOW = "extend_window"

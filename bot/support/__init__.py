"""Support: tickets handed from the bot to people in a staff forum, and back.

Pure rules (:mod:`rules`, :mod:`masking`, :mod:`hours`), storage (:mod:`tickets`, :mod:`pairs`,
:mod:`transcript`), the desk service (:mod:`service`), the staff forum on Telegram (:mod:`forum`,
:mod:`relay`, :mod:`card`, :mod:`agents`, :mod:`housekeeping`), the user's side and the wiring
(:mod:`handlers`), and ``python -m bot support stats`` (:mod:`cli`).
"""

from bot.support.handlers import register

__all__ = ["register"]

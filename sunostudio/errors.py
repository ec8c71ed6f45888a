"""The one expected-refusal error every app raises and every view catches the same way."""


class Refused(Exception):
    """An action the person may not take now (suspended, not finished yet, hidden by a moderator…).

    Views show `user_message` (a form error or a message) instead of failing; nothing was written.
    """

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message

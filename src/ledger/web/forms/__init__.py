"""The pages' forms: one FlaskForm per form, Chinese labels and messages, the API's commands.

`base` holds what every form shares (the idempotency key per rendered form, fields whose
messages are Chinese, running a `Ledger` command and showing its refusals on the form);
the other modules hold one role's forms each.
"""

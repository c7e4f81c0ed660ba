"""Domain errors; the API maps each to an HTTP answer in one place."""


class FlowdeskError(Exception):
    code = "error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidSpec(FlowdeskError):
    code = "invalid_spec"

    def __init__(self, errors):
        count = len(errors)
        first = errors[0].message if errors else ""
        super().__init__(
            f"The workflow is not valid ({count} problem{'s' * (count != 1)}): {first}",
            errors=[error.as_dict() for error in errors],
        )


class VersionConflict(FlowdeskError):
    code = "version_conflict"

    def __init__(self, *, base_version: int, latest_version: int):
        super().__init__(
            f"Version {base_version} is not the latest: version {latest_version} "
            "was saved since. Reload it and apply your changes again.",
            latest_version=latest_version,
        )


class InvalidInputs(FlowdeskError):
    code = "invalid_inputs"

    def __init__(self, errors: list[dict]):
        super().__init__(
            "; ".join(e["message"] for e in errors),
            errors=errors,
            field=errors[0]["field"],
        )


class InvalidState(FlowdeskError):
    code = "invalid_state"

from workflows.nodes.builtins.condition import Condition
from workflows.nodes.builtins.delay import Delay
from workflows.nodes.builtins.fail import Fail
from workflows.nodes.builtins.http import Http
from workflows.nodes.builtins.log import Log
from workflows.nodes.builtins.loop import Loop
from workflows.nodes.builtins.merge import Merge
from workflows.nodes.builtins.noop import NoOp
from workflows.nodes.builtins.python import Python
from workflows.nodes.builtins.review import Review
from workflows.nodes.builtins.set import Set
from workflows.nodes.builtins.start import Start
from workflows.nodes.builtins.subworkflow import Subworkflow
from workflows.nodes.builtins.switch import Switch
from workflows.nodes.builtins.transform import Transform

NODE_TYPES = [
    Start,
    NoOp,
    Log,
    Set,
    Transform,
    Fail,
    Delay,
    Condition,
    Switch,
    Loop,
    Merge,
    Http,
    Python,
    Subworkflow,
    Review,
]

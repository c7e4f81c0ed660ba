from workflows.nodes.builtins.condition import Condition
from workflows.nodes.builtins.delay import Delay
from workflows.nodes.builtins.fail import Fail
from workflows.nodes.builtins.log import Log
from workflows.nodes.builtins.merge import Merge
from workflows.nodes.builtins.noop import NoOp
from workflows.nodes.builtins.set import Set
from workflows.nodes.builtins.start import Start

NODE_TYPES = [Start, NoOp, Log, Set, Fail, Delay, Condition, Merge]

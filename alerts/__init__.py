"""The alert engine of Zhanjiang Brain: rule files (`config`), the store of alerts and their
handling (`store`), the one evaluator per deployment (`engine`), the data it reads (`sources`)
and outbound notification (`notify`). The pure evaluation of rules is `brain.rules`."""

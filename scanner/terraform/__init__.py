"""Infrastructure as code, proven before it is deployed (`safemaker plan`).

A pull request is the last place where a new uninspected path can be stopped cheaply, so this
package turns a planned estate into an ordinary `safemaker.snapshot/v1` document and lets the
same checks prove it. The layers are kept apart so that another source format (CloudFormation
change sets are the next one) can reuse everything after the first:

* `plan`      reads `terraform show -json` of a saved plan into `Planned` resources (the source
              format's only reader; refuses state files, HCL and unknown format versions);
* `refs`      resolves values Terraform knows only after apply through the configuration's
              references into placeholder IDs that name the Terraform address;
* `estate`    the snapshot being built, per account and region, with the gaps it must report;
* `network`, `firewall`, `sagemaker`   one module per resource family: planned resource ->
              the API response items the collector would have written;
* `translate` orders the families and writes the snapshot; `overlay` lays it over a live one.
"""

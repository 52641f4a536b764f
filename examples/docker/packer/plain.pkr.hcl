# The same build as plain.json in HCL2: a stock-style image without sshd, provisioned with
# docker exec and docker cp (Packer's docker communicator, the default).
variable "repository" {
  type    = string
  default = "tsimg/plain-hcl"
}

variable "greeting" {
  type    = string
  default = "hello from a Packer HCL2 template"
}

variable "api_token" {
  type      = string
  default   = env("PLAIN_API_TOKEN")
  sensitive = true
}

source "docker" "plain" {
  image   = "tsimg/debian-plain:bookworm"
  commit  = true
  changes = ["LABEL made-by=plain.pkr.hcl", "CMD [\"/bin/cat\", \"/srv/app/greeting\"]"]
}

build {
  sources = ["source.docker.plain"]

  provisioner "shell" {
    environment_vars = ["GREETING=${var.greeting}", "API_TOKEN=${var.api_token}"]
    inline = [
      "mkdir -p /srv/app",
      "echo \"$GREETING\" > /srv/app/greeting",
      "if [ -n \"$API_TOKEN\" ]; then echo token-seen > /srv/app/token; fi",
      "if command -v sshd; then echo sshd-present > /srv/app/sshd; fi",
    ]
  }

  provisioner "file" {
    source      = "files/site"
    destination = "/srv"
  }

  provisioner "file" {
    source      = "files/conf/"
    destination = "/etc/app"
  }

  # No ansible_env_vars here: tsimg tells ansible to transfer files over exec by itself.
  provisioner "ansible" {
    playbook_file = "playbook.yml"
  }

  post-processor "docker-tag" {
    repository = var.repository
    tags       = ["latest"]
  }
}

using Infra.Core.Spec;
using k8s;
using k8s.Models;

namespace Infra.Core.Workloads;

/// <summary>Storage: local-path on bare metal; the cloud's disk CSI driver and a default StorageClass on clouds.</summary>
internal static class Storages
{
    public const string LocalPathNamespace = "local-path-storage";
    public const string GcpNamespace = "gce-pd-csi-driver";

    public static WorkloadComponent? Component(PlanContext ctx) => (ctx.Spec.Workloads.Storage, ctx.Spec.Target) switch
    {
        (StorageKind.LocalPath, Target.Baremetal) => LocalPath(ctx),
        (StorageKind.Csi, Target.Aws) => AwsEbs(ctx),
        (StorageKind.Csi, Target.Azure) => AzureDisk(ctx),
        (StorageKind.Csi, Target.Gcp) => GcpPd(ctx),
        _ => null,
    };

    private static V1Deployment Deployment(string name, string ns, Dictionary<string, string> labels, V1PodSpec pod, int replicas = 1) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = K.Meta(name, ns),
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = labels },
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = pod },
        },
    };

    // rancher/local-path-provisioner deploy/local-path-storage.yaml at v0.0.37, written as typed objects. Changes to
    // the release manifest, each for a project rule: resources and a non-root, read-only security context for the
    // provisioner (it only reads its config and calls the API); the helper image pinned (the release leaves
    // busybox untagged) and given resources; the StorageClass made the default.
    private static WorkloadComponent LocalPath(PlanContext ctx)
    {
        const string ns = LocalPathNamespace;
        const string sa = "local-path-provisioner-service-account";
        var provisioner = ctx.Image($"docker.io/rancher/local-path-provisioner:{WorkloadVersions.LocalPath}");
        var helper = ctx.Image($"docker.io/library/busybox:{WorkloadVersions.Busybox}");
        var labels = K.Labels(("app", "local-path-provisioner"));
        var helperPod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = K.Meta("helper-pod"),
            Spec = new V1PodSpec
            {
                PriorityClassName = "system-node-critical",
                Tolerations = [new V1Toleration { Key = "node.kubernetes.io/disk-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" }],
                Containers =
                [
                    new V1Container
                    {
                        Name = "helper-pod",
                        Image = helper.ToString(),
                        ImagePullPolicy = "IfNotPresent",
                        Resources = K.Resources("10m", "16Mi", "100m", "64Mi"),
                    },
                ],
            },
        };
        var config = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = K.Meta("local-path-config", ns),
            Data = new Dictionary<string, string>
            {
                ["config.json"] = "{\n  \"nodePathMap\": [\n    {\n      \"node\": \"DEFAULT_PATH_FOR_NON_LISTED_NODES\",\n      \"paths\": [\"/opt/local-path-provisioner\"]\n    }\n  ]\n}\n",
                ["setup"] = "#!/bin/sh\nset -eu\nmkdir -m 0777 -p \"$VOL_DIR\"\n",
                ["teardown"] = "#!/bin/sh\nset -eu\nrm -rf \"$VOL_DIR\"\n",
                ["helperPod.yaml"] = KubernetesYaml.Serialize(helperPod),
            },
        };
        var deployment = Deployment("local-path-provisioner", ns, labels, new V1PodSpec
        {
            ServiceAccountName = sa,
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 65534, RunAsGroup = 65534, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers =
            [
                new V1Container
                {
                    Name = "local-path-provisioner",
                    Image = provisioner.ToString(),
                    ImagePullPolicy = "IfNotPresent",
                    Command = ["local-path-provisioner", "--debug", "start", "--config", "/etc/config/config.json"],
                    Ports = [new V1ContainerPort { Name = "health", ContainerPort = 8080, Protocol = "TCP" }],
                    StartupProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health", Port = (IntOrString)"health" }, InitialDelaySeconds = 5, PeriodSeconds = 5, FailureThreshold = 12 },
                    LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health", Port = (IntOrString)"health" }, InitialDelaySeconds = 10, PeriodSeconds = 10 },
                    ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/ready", Port = (IntOrString)"health" }, InitialDelaySeconds = 5, PeriodSeconds = 5 },
                    VolumeMounts = [K.Mount("config-volume", "/etc/config/")],
                    Env = [K.EnvField("POD_NAMESPACE", "metadata.namespace"), K.Env("CONFIG_MOUNT_PATH", "/etc/config/"), K.Env("HEALTH_PORT", "8080")],
                    Resources = K.Resources("10m", "32Mi", "200m", "128Mi"),
                    SecurityContext = K.RestrictedContainer(),
                },
            ],
            Volumes = [new V1Volume { Name = "config-volume", ConfigMap = new V1ConfigMapVolumeSource { Name = "local-path-config" } }],
        });
        var objects = new List<KubeObject>
        {
            new(K.ServiceAccount(sa, ns)),
            new(K.Role("local-path-provisioner-role", ns,
                K.Rule([""], ["pods"], ["get", "list", "watch", "create", "patch", "update", "delete"])),
                "Helper pods are created in this namespace only."),
            new(K.ClusterRole("local-path-provisioner-role",
                K.Rule([""], ["nodes", "persistentvolumeclaims", "configmaps", "pods", "pods/log"], ["get", "list", "watch"]),
                K.Rule([""], ["persistentvolumes"], ["get", "list", "watch", "create", "patch", "update", "delete"]),
                K.Rule([""], ["events"], ["create", "patch"]),
                K.Rule(["storage.k8s.io"], ["storageclasses"], ["get", "list", "watch"]))),
            new(K.RoleBinding("local-path-provisioner-bind", ns, "Role", "local-path-provisioner-role", K.ServiceAccountSubject(sa, ns))),
            new(K.ClusterRoleBinding("local-path-provisioner-bind", "local-path-provisioner-role", sa, ns)),
            new(config, $"Helper image pinned to busybox {WorkloadVersions.Busybox}: the release manifest leaves it untagged."),
            new(deployment, $"local-path-provisioner {WorkloadVersions.LocalPath}; volumes live under /opt/local-path-provisioner on each node."),
            new(K.StorageClass("local-path", "rancher.io/local-path", null, isDefault: true, expansion: false),
                "Default class: node-local volumes, bound where the pod is scheduled; data stays on that node."),
        };
        return new WorkloadComponent
        {
            Name = "storage",
            Order = 0,
            Objects = objects,
            Readiness = [ReadinessCheck.Deployment(ns, "local-path-provisioner")],
            Images = [provisioner, helper],
        };
    }

    private static ChartValues Sidecar(ImageRef image) => ChartValues.Of(
        ("image", ChartValues.Of(("repository", image.Name), ("tag", image.Tag))),
        ("resources", K.ResourceValues("10m", "40Mi", "200m", "256Mi")));

    // Chart aws-ebs-csi-driver 2.64.0: image and sidecar tags as its values.yaml sets them. Credentials come from the
    // instances' IAM role (the Pulumi AWS layer grants the EBS permissions).
    private static WorkloadComponent AwsEbs(PlanContext ctx)
    {
        var driver = ctx.Image("public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.64.0");
        var sidecars = new (string Key, ImageRef Image)[]
        {
            ("attacher", ctx.Image("public.ecr.aws/csi-components/csi-attacher:v4.12.0-eksbuild.5")),
            ("livenessProbe", ctx.Image("public.ecr.aws/csi-components/livenessprobe:v2.19.0-eksbuild.5")),
            ("nodeDriverRegistrar", ctx.Image("public.ecr.aws/csi-components/csi-node-driver-registrar:v2.17.0-eksbuild.5")),
            ("provisioner", ctx.Image("public.ecr.aws/csi-components/csi-provisioner:v6.3.0-eksbuild.4")),
            ("resizer", ctx.Image("public.ecr.aws/csi-components/csi-resizer:v2.2.1-eksbuild.3")),
            ("snapshotter", ctx.Image("public.ecr.aws/csi-components/csi-snapshotter:v8.6.0-eksbuild.5")),
            ("volumemodifier", ctx.Image("public.ecr.aws/ebs-csi-driver/volume-modifier-for-k8s:v0.9.5-eksbuild.5")),
        };
        return new WorkloadComponent
        {
            Name = "storage",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "aws-ebs-csi-driver",
                Namespace = "kube-system",
                Chart = "aws-ebs-csi-driver",
                Repository = "https://kubernetes-sigs.github.io/aws-ebs-csi-driver",
                Version = WorkloadVersions.AwsEbsChart,
                DependsOn = ["cni"],
                Values = ChartValues.Of(
                    ("image", ChartValues.Of(("repository", driver.Name), ("tag", driver.Tag))),
                    ("sidecars", ChartValues.Of([.. sidecars.Select(s => (s.Key, (object?)Sidecar(s.Image)))])),
                    // Two controller replicas (the chart's controller.replicaCount): keep its PodDisruptionBudget on.
                    ("controller", ChartValues.Of(("resources", K.ResourceValues("10m", "40Mi", "500m", "256Mi")),
                        ("podDisruptionBudget", ChartValues.Of(("enabled", true))))),
                    ("node", ChartValues.Of(("resources", K.ResourceValues("10m", "40Mi", "500m", "256Mi"))))),
            },
            Objects =
            [
                new KubeObject(K.StorageClass("gp3", "ebs.csi.aws.com", new Dictionary<string, string> { ["type"] = "gp3", ["encrypted"] = "true" },
                    isDefault: true, expansion: true), "Default class: encrypted gp3 volumes in the zone of the pod's node."),
            ],
            Readiness = [ReadinessCheck.Deployment("kube-system", "ebs-csi-controller"), ReadinessCheck.DaemonSet("kube-system", "ebs-csi-node")],
            Images = [driver, .. sidecars.Select(s => s.Image)],
        };
    }

    // Chart azuredisk-csi-driver 1.34.5. The chart joins image.baseRepo (a registry) with each repository path.
    // The driver reads the cloud configuration from the Secret kube-system/azure-cloud-provider (azure.json), which
    // the Azure layer writes (AzureCloudConfig) once its identity exists; it is not part of this plan.
    public const string AzureDiskController = "csi-azuredisk-controller";

    private static WorkloadComponent AzureDisk(PlanContext ctx)
    {
        var baseRepo = ctx.Mirrors.Registry("mcr.microsoft.com");
        ImageRef Img(string repo, string tag) => new(baseRepo, "oss/v2/kubernetes-csi/" + repo, tag);
        var images = new (string Key, ImageRef Image)[]
        {
            ("azuredisk", Img("azuredisk-csi", "v1.34.5")),
            ("csiAttacher", Img("csi-attacher", "v4.12.0")),
            ("csiProvisioner", Img("csi-provisioner", "v6.3.0")),
            ("csiResizer", Img("csi-resizer", "v2.2.0")),
            ("livenessProbe", Img("livenessprobe", "v2.19.0")),
            ("nodeDriverRegistrar", Img("csi-node-driver-registrar", "v2.17.0")),
        };
        var snapshotter = Img("csi-snapshotter", "v8.6.0");
        ChartValues ImageValue(ImageRef i) => ChartValues.Of(("repository", "/" + i.Repository), ("tag", i.Tag));
        var sidecarResources = K.ResourceValues("10m", "20Mi", "200m", "256Mi");
        return new WorkloadComponent
        {
            Name = "storage",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "azuredisk-csi-driver",
                Namespace = "kube-system",
                Chart = "azuredisk-csi-driver",
                Repository = "https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts",
                Version = WorkloadVersions.AzureDiskChart,
                DependsOn = ["cni"],
                Values = ChartValues.Of(
                    ("image", ChartValues.Of([("baseRepo", (object?)baseRepo), .. images.Select(i => (i.Key, (object?)ImageValue(i.Image)))])),
                    ("snapshot", ChartValues.Of(("image", ChartValues.Of(("csiSnapshotter", ImageValue(snapshotter)))))),
                    ("controller", ChartValues.Of(("resources", ChartValues.Of(
                        ("azuredisk", K.ResourceValues("10m", "20Mi", "500m", "512Mi")),
                        ("csiAttacher", sidecarResources),
                        ("csiProvisioner", sidecarResources),
                        ("csiResizer", sidecarResources),
                        ("csiSnapshotter", sidecarResources),
                        ("livenessProbe", K.ResourceValues("10m", "20Mi", "100m", "100Mi")))))),
                    ("linux", ChartValues.Of(("resources", ChartValues.Of(
                        ("azuredisk", K.ResourceValues("10m", "20Mi", "500m", "1000Mi")),
                        ("livenessProbe", K.ResourceValues("10m", "20Mi", "100m", "100Mi")),
                        ("nodeDriverRegistrar", K.ResourceValues("10m", "20Mi", "100m", "100Mi")))))),
                    // VMs are named <cluster>-<host>, nodes <host>: the node plugin must report the VM name from instance
                    // metadata, or every attach fails with InstanceNotFound. The driver does so only with this flag and
                    // useInstanceMetadata in the cloud config (AzureCloudConfig sets it); pkg/azuredisk/nodeserver.go
                    // NodeGetInfo and values.yaml node.getNodeIDFromIMDS at v1.34.5.
                    ("node", ChartValues.Of(("getNodeIDFromIMDS", true))),
                    ("windows", ChartValues.Of(("enabled", false)))),
            },
            Objects =
            [
                new KubeObject(K.StorageClass("managed-csi", "disk.csi.azure.com", new Dictionary<string, string> { ["skuName"] = "StandardSSD_LRS" },
                    isDefault: true, expansion: true), "Default class: zone-local Standard SSD managed disks."),
                // The chart runs controller.replicas: 2 (values.yaml at v1.34.5) and ships no PodDisruptionBudget; its
                // Deployment selects app=csi-azuredisk-controller.
                new KubeObject(K.DisruptionBudget(AzureDiskController, "kube-system", new() { ["app"] = AzureDiskController }),
                    "Drains keep one of the two controller replicas running."),
            ],
            Readiness = [ReadinessCheck.Deployment("kube-system", AzureDiskController), ReadinessCheck.DaemonSet("kube-system", "csi-azuredisk-node")],
            Images = [.. images.Select(i => i.Image), snapshotter],
        };
    }

    // kubernetes-sigs/gcp-compute-persistent-disk-csi-driver deploy/kubernetes/overlays/stable-master (master
    // b560165), Linux node plugin only. Differences, each deliberate: credentials come from the VMs' attached service
    // account through the metadata server (as the repository's noauth overlay does) instead of a cloud-sa key
    // Secret; the PodSecurityPolicy "use" rules and the Windows service account are left out (PSP was removed in
    // Kubernetes 1.25; Windows nodes are not supported); containers get requests and limits.
    private static WorkloadComponent GcpPd(PlanContext ctx)
    {
        const string ns = GcpNamespace;
        const string controllerSa = "csi-gce-pd-controller-sa";
        const string nodeSa = "csi-gce-pd-node-sa";
        var driver = ctx.Image($"registry.k8s.io/cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver:{WorkloadVersions.GcpPdDriver}");
        var provisioner = ctx.Image("registry.k8s.io/sig-storage/csi-provisioner:v6.0.0");
        var attacher = ctx.Image("registry.k8s.io/sig-storage/csi-attacher:v4.8.1");
        var resizer = ctx.Image("registry.k8s.io/sig-storage/csi-resizer:v2.0.0");
        var snapshotter = ctx.Image("registry.k8s.io/sig-storage/csi-snapshotter:v8.2.1");
        var registrar = ctx.Image("registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0");
        var labels = K.Labels(("app", "gcp-compute-persistent-disk-csi-driver"));
        var small = K.Resources("10m", "32Mi", "200m", "256Mi");
        V1Container Sidecar(string name, ImageRef image, IList<string> args, int? port) => new()
        {
            Name = name,
            Image = image.ToString(),
            Args = args,
            Env = [K.EnvField("PDCSI_NAMESPACE", "metadata.namespace")],
            Ports = port is null ? null : [new V1ContainerPort { ContainerPort = port.Value, Name = "http-endpoint", Protocol = "TCP" }],
            LivenessProbe = port is null ? null : new V1Probe
            {
                FailureThreshold = 1,
                HttpGet = new V1HTTPGetAction { Path = "/healthz/leader-election", Port = (IntOrString)"http-endpoint" },
                InitialDelaySeconds = 10,
                TimeoutSeconds = 10,
                PeriodSeconds = 20,
            },
            VolumeMounts = [K.Mount("socket-dir", "/csi")],
            Resources = small,
        };
        var controller = Deployment("csi-gce-pd-controller", ns, labels, new V1PodSpec
        {
            // Host network so the driver reaches the GCE metadata server for the VM's credentials.
            HostNetwork = true,
            NodeSelector = K.Labels(("kubernetes.io/os", "linux")),
            ServiceAccountName = controllerSa,
            PriorityClassName = "csi-gce-pd-controller",
            Tolerations = [new V1Toleration { Key = "pd.csi.storage.gke.io/startup", OperatorProperty = "Exists", Effect = "NoSchedule" }],
            Containers =
            [
                Sidecar("csi-provisioner", provisioner, ["--v=5", "--csi-address=/csi/csi.sock", "--feature-gates=Topology=true", "--http-endpoint=:22011",
                    "--leader-election-namespace=$(PDCSI_NAMESPACE)", "--timeout=250s", "--extra-create-metadata", "--leader-election",
                    "--default-fstype=ext4", "--controller-publish-readonly=true"], 22011),
                Sidecar("csi-attacher", attacher, ["--v=5", "--csi-address=/csi/csi.sock", "--http-endpoint=:22012", "--leader-election",
                    "--leader-election-namespace=$(PDCSI_NAMESPACE)", "--timeout=250s", "--default-fstype=ext4", "--max-grpc-log-length=10000"], 22012),
                Sidecar("csi-resizer", resizer, ["--v=5", "--csi-address=/csi/csi.sock", "--http-endpoint=:22013", "--leader-election",
                    "--leader-election-namespace=$(PDCSI_NAMESPACE)", "--handle-volume-inuse-error=false"], 22013),
                Sidecar("csi-snapshotter", snapshotter, ["--v=5", "--csi-address=/csi/csi.sock", "--metrics-address=:22014", "--leader-election",
                    "--leader-election-namespace=$(PDCSI_NAMESPACE)", "--timeout=300s", "--retry-interval-max=60s"], null),
                new V1Container
                {
                    Name = "gce-pd-driver",
                    Image = driver.ToString(),
                    Command = ["/gce-pd-csi-driver"],
                    Args = ["--v=5", "--endpoint=unix:/csi/csi.sock",
                        "--supports-dynamic-iops-provisioning=hyperdisk-balanced,hyperdisk-extreme",
                        "--supports-dynamic-throughput-provisioning=hyperdisk-balanced,hyperdisk-throughput,hyperdisk-ml",
                        "--enable-data-cache", "--run-node-service=false", "--enable-multitenancy=false"],
                    VolumeMounts = [K.Mount("socket-dir", "/csi")],
                    Resources = K.Resources("10m", "64Mi", "500m", "256Mi"),
                },
                new V1Container
                {
                    Name = "taint-controller",
                    Image = driver.ToString(),
                    ImagePullPolicy = "IfNotPresent",
                    Command = ["/gce-pd-csi-driver"],
                    Args = ["--v=5", "--run-taint-controller=true", "--taint-metrics-addr=:8081", "--run-node-service=false"],
                    Ports = [new V1ContainerPort { Name = "metrics-taint", ContainerPort = 8081 }],
                    Resources = small,
                },
            ],
            Volumes = [new V1Volume { Name = "socket-dir", EmptyDir = new V1EmptyDirVolumeSource() }],
        });
        var node = new V1DaemonSet
        {
            ApiVersion = "apps/v1",
            Kind = "DaemonSet",
            Metadata = K.Meta("csi-gce-pd-node", ns),
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        HostNetwork = true,
                        PriorityClassName = "csi-gce-pd-node",
                        ServiceAccountName = nodeSa,
                        NodeSelector = K.Labels(("kubernetes.io/os", "linux")),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "csi-driver-registrar",
                                Image = registrar.ToString(),
                                Args = ["--v=5", "--csi-address=/csi/csi.sock", "--kubelet-registration-path=/var/lib/kubelet/plugins/pd.csi.storage.gke.io/csi.sock"],
                                Env = [K.EnvField("KUBE_NODE_NAME", "spec.nodeName")],
                                VolumeMounts = [K.Mount("plugin-dir", "/csi"), K.Mount("registration-dir", "/registration")],
                                Resources = small,
                            },
                            new V1Container
                            {
                                Name = "gce-pd-driver",
                                Image = driver.ToString(),
                                Args = ["--v=5", "--endpoint=unix:/csi/csi.sock", "--run-controller-service=false", "--enable-data-cache", "--node-name=$(KUBE_NODE_NAME)"],
                                // Formats and mounts block devices on the host.
                                SecurityContext = new V1SecurityContext { Privileged = true },
                                Env = [K.EnvField("KUBE_NODE_NAME", "spec.nodeName")],
                                VolumeMounts =
                                [
                                    K.Mount("kubelet-plugin-dir", "/var/lib/kubelet/plugins/kubernetes.io/csi", propagation: "Bidirectional"),
                                    K.Mount("kubelet-pods", "/var/lib/kubelet/pods", propagation: "Bidirectional"),
                                    K.Mount("plugin-dir", "/csi"),
                                    K.Mount("device-dir", "/dev"),
                                    K.Mount("udev-rules-etc", "/etc/udev"),
                                    K.Mount("udev-rules-lib", "/lib/udev"),
                                    K.Mount("udev-socket", "/run/udev"),
                                    K.Mount("sys", "/sys"),
                                    K.Mount("lib-modules", "/lib/modules", readOnly: true),
                                ],
                                Resources = K.Resources("10m", "64Mi", "500m", "512Mi"),
                            },
                        ],
                        Volumes =
                        [
                            K.HostPath("registration-dir", "/var/lib/kubelet/plugins_registry/", "Directory"),
                            K.HostPath("kubelet-pods", "/var/lib/kubelet/pods"),
                            K.HostPath("kubelet-plugin-dir", "/var/lib/kubelet/plugins/kubernetes.io/csi", "DirectoryOrCreate"),
                            K.HostPath("plugin-dir", "/var/lib/kubelet/plugins/pd.csi.storage.gke.io/", "DirectoryOrCreate"),
                            K.HostPath("device-dir", "/dev", "Directory"),
                            K.HostPath("udev-rules-etc", "/etc/udev", "Directory"),
                            K.HostPath("udev-rules-lib", "/lib/udev", "Directory"),
                            K.HostPath("udev-socket", "/run/udev", "Directory"),
                            K.HostPath("sys", "/sys", "Directory"),
                            K.HostPath("lib-modules", "/lib/modules", "Directory"),
                        ],
                        // Every node runs the plugin, whatever its taints.
                        Tolerations = [new V1Toleration { OperatorProperty = "Exists" }],
                    },
                },
            },
        };
        V1PriorityClass Priority(string name, int value, string description) => new()
        {
            ApiVersion = "scheduling.k8s.io/v1",
            Kind = "PriorityClass",
            Metadata = K.Meta(name),
            Value = value,
            GlobalDefault = false,
            Description = description,
        };
        var objects = new List<KubeObject>
        {
            new(K.ServiceAccount(nodeSa, ns)),
            new(K.ServiceAccount(controllerSa, ns)),
            new(K.ClusterRole("csi-gce-pd-provisioner-role",
                K.Rule([""], ["persistentvolumes"], ["get", "list", "watch", "create", "delete"]),
                K.Rule([""], ["persistentvolumeclaims"], ["get", "list", "watch", "update"]),
                K.Rule(["storage.k8s.io"], ["storageclasses"], ["get", "list", "watch"]),
                K.Rule(["storage.k8s.io"], ["volumeattributesclasses"], ["get", "list", "watch"]),
                K.Rule([""], ["events"], ["list", "watch", "create", "update", "patch"]),
                K.Rule(["storage.k8s.io"], ["csinodes"], ["get", "list", "watch"]),
                K.Rule([""], ["nodes"], ["get", "list", "watch"]),
                K.Rule(["snapshot.storage.k8s.io"], ["volumesnapshots"], ["get", "list"]),
                K.Rule(["snapshot.storage.k8s.io"], ["volumesnapshotcontents"], ["get", "list"]),
                K.Rule(["storage.k8s.io"], ["volumeattachments"], ["get", "list", "watch"]))),
            new(K.ClusterRoleBinding("csi-gce-pd-controller-provisioner-binding", "csi-gce-pd-provisioner-role", controllerSa, ns)),
            new(K.ClusterRole("csi-gce-pd-attacher-role",
                K.Rule([""], ["persistentvolumes"], ["get", "list", "watch", "update", "patch"]),
                K.Rule([""], ["nodes"], ["get", "list", "watch"]),
                K.Rule(["storage.k8s.io"], ["csinodes"], ["get", "list", "watch"]),
                K.Rule(["storage.k8s.io"], ["volumeattachments"], ["get", "list", "watch", "update", "patch"]),
                K.Rule(["storage.k8s.io"], ["volumeattachments/status"], ["patch"]))),
            new(K.ClusterRoleBinding("csi-gce-pd-controller-attacher-binding", "csi-gce-pd-attacher-role", controllerSa, ns)),
            new(Priority("csi-gce-pd-controller", 900000000, "This priority class should be used for the GCE PD CSI driver controller deployment only.")),
            new(Priority("csi-gce-pd-node", 900001000, "This priority class should be used for the GCE PD CSI driver node deployment only.")),
            new(K.ClusterRole("csi-gce-pd-resizer-role",
                K.Rule([""], ["persistentvolumes"], ["get", "list", "watch", "update", "patch"]),
                K.Rule([""], ["persistentvolumeclaims"], ["get", "list", "watch"]),
                K.Rule([""], ["persistentvolumeclaims/status"], ["update", "patch"]),
                K.Rule(["storage.k8s.io"], ["volumeattributesclasses"], ["get", "list", "watch"]),
                K.Rule([""], ["events"], ["list", "watch", "create", "update", "patch"]),
                K.Rule([""], ["pods"], ["get", "list", "watch"]))),
            new(K.ClusterRoleBinding("csi-gce-pd-resizer-binding", "csi-gce-pd-resizer-role", controllerSa, ns)),
            new(K.ClusterRole("csi-gce-pd-node-deploy", K.Rule([""], ["nodes"], ["get", "list"])),
                "Upstream's role also names a PodSecurityPolicy; only the node read access is kept."),
            new(K.ClusterRoleBinding("csi-gce-pd-node", "csi-gce-pd-node-deploy", nodeSa, ns)),
            new(K.ClusterRole("csi-gce-pd-snapshotter-role",
                K.Rule([""], ["events"], ["list", "watch", "create", "update", "patch"]),
                K.Rule(["snapshot.storage.k8s.io"], ["volumesnapshotclasses"], ["get", "list", "watch"]),
                K.Rule(["snapshot.storage.k8s.io"], ["volumesnapshotcontents"], ["create", "get", "list", "watch", "update", "delete", "patch"]),
                K.Rule(["snapshot.storage.k8s.io"], ["volumesnapshotcontents/status"], ["update", "patch"]))),
            new(K.ClusterRoleBinding("csi-gce-pd-controller-snapshotter-binding", "csi-gce-pd-snapshotter-role", controllerSa, ns)),
            new(K.Role("csi-gce-pd-leaderelection-role", ns, K.Rule(["coordination.k8s.io"], ["leases"], ["get", "watch", "list", "delete", "update", "create"]))),
            new(K.RoleBinding("csi-gce-pd-controller-leaderelection-binding", ns, "Role", "csi-gce-pd-leaderelection-role", K.ServiceAccountSubject(controllerSa, ns))),
            new(K.ClusterRole("pd-csi-taint-controller-role",
                K.Rule(["storage.k8s.io"], ["csinodes"], ["get", "list", "watch"]),
                K.Rule([""], ["nodes"], ["get", "list", "watch", "patch", "update"]))),
            new(K.ClusterRoleBinding("pd-csi-taint-controller-binding", "pd-csi-taint-controller-role", controllerSa, ns)),
            new(new V1CSIDriver
            {
                ApiVersion = "storage.k8s.io/v1",
                Kind = "CSIDriver",
                Metadata = K.Meta("pd.csi.storage.gke.io"),
                Spec = new V1CSIDriverSpec { AttachRequired = true, PodInfoOnMount = false },
            }),
            new(controller, $"PD CSI driver {WorkloadVersions.GcpPdDriver}; credentials from the VM's service account (needs compute.storageAdmin and iam.serviceAccountUser)."),
            new(node),
            new(K.StorageClass("standard-rwo", "pd.csi.storage.gke.io", new Dictionary<string, string> { ["type"] = "pd-balanced" },
                isDefault: true, expansion: true), "Default class: zonal balanced persistent disks."),
        };
        return new WorkloadComponent
        {
            Name = "storage",
            Order = 0,
            Objects = objects,
            Readiness = [ReadinessCheck.Deployment(ns, "csi-gce-pd-controller"), ReadinessCheck.DaemonSet(ns, "csi-gce-pd-node")],
            Images = [driver, provisioner, attacher, resizer, snapshotter, registrar],
        };
    }
}

using KubePki.StandIns;

// Stand-ins for the control-plane binaries there is no real build of here, started by the test kit's stand-in kubelet
// from static pod manifests: kube-apiserver, kube-controller-manager, kube-scheduler.
return await StandIn.RunAsync(args);

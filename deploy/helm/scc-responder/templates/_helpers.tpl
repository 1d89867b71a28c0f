{{/* Names, labels and the environment the three processes share. */}}

{{- define "scc-responder.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "scc-responder.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "scc-responder.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "scc-responder.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels for one component: worker, console or intake. */}}
{{- define "scc-responder.selector" -}}
app.kubernetes.io/name: {{ include "scc-responder.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "scc-responder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "scc-responder.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "scc-responder.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The environment every process reads (docs/configuration.md, docs/temporal.md). */}}
{{- define "scc-responder.env" -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address is required" .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
{{- with .Values.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef: { name: {{ . | quote }}, key: {{ $.Values.temporal.apiKey.key | quote }} }
{{- end }}
{{- if .Values.temporal.mtls.existingSecret }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/scc-responder/temporal-tls/{{ .Values.temporal.mtls.certKey }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/scc-responder/temporal-tls/{{ .Values.temporal.mtls.keyKey }}
{{- with .Values.temporal.mtls.caKey }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/scc-responder/temporal-tls/{{ . }}
{{- end }}
{{- with .Values.temporal.mtls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- with .Values.database.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ . | quote }}, key: {{ $.Values.database.key | quote }} }
{{- end }}
- name: SCC_CONFIG
  value: /etc/scc-responder/config/config.json
- name: SCC_DATA_DIR
  value: /var/lib/scc-responder
- name: SCC_APPROVERS
  value: {{ .Values.policy.approvers | quote }}
- name: SCC_DRY_RUN
  value: {{ ternary "true" "false" (ne (toString .Values.policy.dryRun) "false") | quote }}
{{- with .Values.decisionAuthority.decisionKeys }}
- name: SCC_DECISION_KEYS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.ownCluster }}
- name: SCC_OWN_CLUSTER
  value: {{ . | quote }}
{{- end }}
{{- with .Values.evidence.bucket }}
- name: SCC_EVIDENCE_BUCKET
  value: {{ . | quote }}
{{- end }}
{{- with .Values.virusTotal.existingSecret }}
- name: VIRUSTOTAL_API_KEY
  valueFrom:
    secretKeyRef: { name: {{ . | quote }}, key: {{ $.Values.virusTotal.key | quote }} }
{{- end }}
{{- with .Values.slack.existingSecret }}
- name: SCC_SLACK_BOT_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ . | quote }}, key: {{ $.Values.slack.botTokenKey | quote }} }
- name: SCC_SLACK_SIGNING_SECRET
  valueFrom:
    secretKeyRef: { name: {{ . | quote }}, key: {{ $.Values.slack.signingSecretKey | quote }} }
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "scc-responder.volumeMounts" -}}
- name: config
  mountPath: /etc/scc-responder/config
  readOnly: true
- name: data
  mountPath: /var/lib/scc-responder
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.mtls.existingSecret }}
- name: temporal-tls
  mountPath: /etc/scc-responder/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "scc-responder.volumes" -}}
- name: config
  configMap:
    name: {{ include "scc-responder.fullname" . }}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- with .Values.temporal.mtls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ . | quote }}
    defaultMode: 0400
{{- end }}
{{- end -}}

{{/* What every pod spec shares: identity, security, scheduling. */}}
{{- define "scc-responder.podCommon" -}}
serviceAccountName: {{ include "scc-responder.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "scc-responder.podMetadata" -}}
labels:
  {{- include "scc-responder.selector" (dict "root" .root "component" .component) | nindent 2 }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
  {{- with .root.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}
